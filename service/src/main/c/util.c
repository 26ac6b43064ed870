/* Error records, logging, small I/O helpers. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct failure last_failure;
static const char *log_name = "?";

int fail_errno(int err, int step, const char *op, const char *arg)
{
	last_failure.step = step;
	last_failure.op = op;
	last_failure.err = err ? err : EIO;
	snprintf(last_failure.arg, sizeof(last_failure.arg), "%s", arg ? arg : "");
	errno = last_failure.err;
	return -1;
}

int fail(int step, const char *op, const char *arg)
{
	return fail_errno(errno, step, op, arg);
}

/* "failed <step> <op> <errno> <arg>\n"; a newline inside the argument would
 * break the line protocol, so it is replaced. */
int format_failure(char *buf, size_t size)
{
	int n =
	    snprintf(buf, size, "failed %d %s %d %s\n", last_failure.step,
		     last_failure.op ? last_failure.op : "?", last_failure.err, last_failure.arg);
	if (n < 0 || (size_t)n >= size) {
		n = (int)size - 1;
		buf[n - 1] = '\n';
	}
	for (int i = 0; i < n - 1; i++)
		if (buf[i] == '\n')
			buf[i] = '?';
	return n;
}

void log_init(const char *name)
{
	log_name = name;
}

/* One line to fd 2 (the supervisor log file opened by the service). */
void log_msg(const char *fmt, ...)
{
	char msg[1024];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int err = errno; /* for %m: the time calls below may change errno */

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	errno = err;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "%s.%06ldZ corral-sup[%d] %s: %s\n", stamp, ts.tv_nsec / 1000,
		(int)getpid(), log_name, msg);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Lines to the service: the peer may be gone (EPIPE is normal, SIGPIPE is
 * ignored and MSG_NOSIGNAL makes sure of it). */
int send_line(int fd, const char *line)
{
	size_t len = strlen(line);

	while (len > 0) {
		ssize_t n = send(fd, line, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A line with a descriptor (SCM_RIGHTS) on its first byte, so that the fd
 * and the line arrive together; the rest of a short send goes as usual. On
 * the SOCK_SEQPACKET sync socket the whole text is one message. */
int send_line_fd(int fd, const char *line, int passfd)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)line, strlen(line) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	while ((n = sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	return send_line(fd, line + n);
}

/* The receiving side of send_line_fd: recv(2) of one message into buf, and
 * the descriptor that came with it (close-on-exec) in *passfd, else -1. */
ssize_t recv_with_fd(int fd, void *buf, size_t len, int *passfd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	ssize_t n;

	*passfd = -1;
	while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return n;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(passfd, CMSG_DATA(cm), sizeof(int));
	return n;
}

/* Strict number parsing: digits only, no sign, no trailing text. */
int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > max) {
		errno = errno == ERANGE || v > max ? ERANGE : EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

/* Field 22 of /proc/PID/stat: with the PID it identifies a process even
 * after PID reuse. The comm field may contain spaces and ')', so fields are
 * counted after the last ')'. proc_fd is the host's /proc (our own mount
 * namespace may be a container's by now). */
int proc_starttime(int proc_fd, pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;
	char *p;

	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p) {
		errno = EINVAL;
		return -1;
	}
	/* after ')' come field 3 (state) .. ; starttime is the 20th of them */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", out) != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* tmp + rename: a reader sees the old file or the whole new one. No fsync:
 * the files live in the runtime directory, which a reboot empties (and the
 * containers with it); a killed service finds them in the page cache. */
int write_file_atomic(const char *path, const char *text)
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) < 0) {
		int err = errno;
		close(fd);
		unlink(tmp);
		errno = err;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}
