/* Control connections: fd 4 (the first one, from the launcher) and any
 * accepted on the listening socket after a service restart. Line protocol,
 * see README.md. A client going away never affects the container. */
#include "supervisor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int control_listen(struct control *ctl, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	ctl->listen_fd = -1;
	ctl->path = path;
	for (int i = 0; i < MAX_CLIENTS; i++)
		ctl->clients[i].fd = -1;
	if (!path)
		return 0;
	if (strlen(path) >= sizeof(addr.sun_path))
		return fail_errno(ENAMETOOLONG, -1, "socket", path);
	strcpy(addr.sun_path, path);
	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->listen_fd < 0)
		return fail(-1, "socket", path);
	/* A stale socket from a supervisor that died without cleaning up. */
	if (unlink(path) < 0 && errno != ENOENT)
		return fail(-1, "socket", path);
	if (bind(ctl->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(ctl->listen_fd, 8) < 0)
		return fail(-1, "socket", path);
	return 0;
}

/* Removing the path before telling anyone the container ended: the service
 * may start the container again at once, and a later unlink would remove
 * the new supervisor's socket. */
void control_unlisten(struct control *ctl)
{
	if (ctl->listen_fd < 0)
		return;
	if (unlink(ctl->path) < 0)
		log_msg("unlink %s: %m", ctl->path);
	close(ctl->listen_fd);
	ctl->listen_fd = -1;
}

int control_add_client(struct control *ctl, int fd)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (ctl->clients[i].fd < 0) {
			ctl->clients[i].fd = fd;
			ctl->clients[i].passed_fd = -1;
			ctl->clients[i].len = 0;
			return 0;
		}
	}
	send_line(fd, "error too many clients\n");
	close(fd);
	errno = EMFILE;
	return -1;
}

void control_accept(struct control *ctl)
{
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_msg("accept: %m");
		return;
	}
	if (control_add_client(ctl, fd) < 0)
		log_msg("refused a control connection: %m");
}

void control_close_client(struct client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	if (cl->passed_fd >= 0)
		close(cl->passed_fd);
	cl->fd = -1;
	cl->passed_fd = -1;
	cl->len = 0;
}

/* Reads like read(2), keeping an fd sent with the bytes (SCM_RIGHTS) as the
 * client's passed_fd; a newer one replaces an older one nobody used. */
static ssize_t read_with_fd(struct client *cl, char *buf, size_t len)
{
	int fd;
	ssize_t r = recv_with_fd(cl->fd, buf, len, &fd);

	if (fd >= 0) {
		if (cl->passed_fd >= 0)
			close(cl->passed_fd);
		cl->passed_fd = fd;
	}
	return r;
}

/* Takes the next complete line out of the client's buffer (without '\n'),
 * reading more if needed. Returns 1 with a line, 0 when none is complete yet
 * (or at EOF, then *eof is set), -1 on error or an overlong line. */
int control_read_line(struct client *cl, char *line, size_t size, bool *eof)
{
	*eof = false;
	for (;;) {
		char *nl = memchr(cl->buf, '\n', cl->len);
		if (nl) {
			size_t n = (size_t)(nl - cl->buf);
			if (n >= size)
				return -1;
			memcpy(line, cl->buf, n);
			line[n] = '\0';
			cl->len -= n + 1;
			memmove(cl->buf, nl + 1, cl->len);
			return 1;
		}
		if (cl->len == sizeof(cl->buf)) {
			errno = EMSGSIZE;
			return -1;
		}
		ssize_t r = read_with_fd(cl, cl->buf + cl->len, sizeof(cl->buf) - cl->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r < 0)
			return -1;
		if (r == 0) {
			*eof = true;
			return 0;
		}
		cl->len += (size_t)r;
	}
}

/* Clients get tiny lines; one that does not read them (EAGAIN) or is gone
 * (EPIPE) is dropped rather than allowed to stall the supervisor. */
void control_broadcast(struct control *ctl, const char *line)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &ctl->clients[i];
		if (cl->fd >= 0 && send(cl->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) !=
				       (ssize_t)strlen(line))
			control_close_client(cl);
	}
}
