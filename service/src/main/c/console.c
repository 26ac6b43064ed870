/* Console pty masters: always drained, so the container never blocks on a
 * full console; console 0 is appended to the console log. One client at a
 * time may be attached to a console (`console <n>`): a socketpair whose
 * other end the service holds, relayed both ways without ever blocking. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int consoles_init(struct consoles *c, const char *logpath)
{
	struct stat st;

	for (int i = 0; i < MAX_CONSOLES; i++) {
		c->master[i] = c->peer[i] = c->client[i] = -1;
		c->open[i] = false;
	}
	c->log_fd = -1;
	c->log_size = 0;
	if (!logpath)
		return 0;
	c->log_fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (c->log_fd < 0 || fstat(c->log_fd, &st) < 0)
		return fail(-1, "consolelog", logpath);
	c->log_size = st.st_size;
	return 0;
}

/* We keep a slave open ourselves: once every slave has been closed, a pty
 * master polls as POLLHUP for good, which would spin the loop whenever the
 * container closes its console (or never opens a secondary one). */
int console_add(struct consoles *c, int index, int master)
{
	if (index < 0 || index >= MAX_CONSOLES || c->master[index] >= 0) {
		close(master);
		return fail_errno(EINVAL, -1, "pty", "console index");
	}
	c->master[index] = master;
	c->peer[index] = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->peer[index] < 0)
		return fail(-1, "pty", "TIOCGPTPEER");
	if (fcntl(master, F_SETFL, O_NONBLOCK) < 0)
		return fail(-1, "pty", "O_NONBLOCK");
	c->open[index] = true;
	return 0;
}

/* Over the cap the log starts again from empty: the newest output matters
 * most, and a rotation scheme would be policy. */
static void log_append(struct consoles *c, const char *buf, size_t n)
{
	if (c->log_fd < 0)
		return;
	if (c->log_size + (off_t)n > CONSOLE_LOG_MAX) {
		if (ftruncate(c->log_fd, 0) < 0)
			log_msg("console log truncate: %m");
		c->log_size = 0;
	}
	if (write_all(c->log_fd, buf, n) < 0) {
		log_msg("console log write: %m");
		return;
	}
	c->log_size += (off_t)n;
}

void console_detach(struct consoles *c, int index)
{
	if (c->client[index] >= 0)
		close(c->client[index]);
	c->client[index] = -1;
}

/* A client that does not read loses output (EAGAIN: its buffer is full);
 * the console log still has it. */
static void relay_output(struct consoles *c, int index, const char *buf, size_t n)
{
	if (c->client[index] < 0)
		return;
	if (send(c->client[index], buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		console_detach(c, index);
}

void console_drain(struct consoles *c, int index)
{
	char buf[65536];

	while (c->open[index]) {
		ssize_t n = read(c->master[index], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* EIO: no slave left (cannot happen while we hold one). */
			c->open[index] = false;
			return;
		}
		if (index == 0)
			log_append(c, buf, (size_t)n);
		relay_output(c, index, buf, (size_t)n);
	}
}

/* Client to container: one read per wakeup, written to the master without
 * blocking. A pty takes several KiB of input, so only a client that floods
 * a container that does not read loses anything. EOF or an error ends the
 * attachment; the container does not notice. */
void console_input(struct consoles *c, int index)
{
	char buf[4096];
	ssize_t n;

	if (c->client[index] < 0)
		return;
	n = recv(c->client[index], buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		console_detach(c, index);
		return;
	}
	if (write(c->master[index], buf, (size_t)n) < 0 && errno != EAGAIN)
		log_msg("console %d input: %m", index);
}

/* A new socketpair for console <index>: we keep one end, *theirs goes to
 * the service. -1 with ENOENT (no such console), EBUSY (attached, no force)
 * or the socketpair's errno. With force the previous client gets EOF. */
int console_attach(struct consoles *c, int index, bool force, int given, int *theirs)
{
	int sv[2];

	if (index < 0 || index >= MAX_CONSOLES || !c->open[index]) {
		errno = ENOENT;
		return -1;
	}
	if (c->client[index] >= 0 && !force) {
		errno = EBUSY;
		return -1;
	}
	/* The service passes its own end of a pair it made (it never has to
	 * receive an fd); other clients get a new pair's end in the reply. */
	if (given >= 0) {
		sv[0] = given;
		sv[1] = -1;
		if (fcntl(given, F_SETFL, O_NONBLOCK) < 0)
			return -1;
	} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		return -1;
	}
	console_detach(c, index);
	c->client[index] = sv[0];
	*theirs = sv[1];
	return 0;
}

/* A nonblocking read first flushes the tty's pending input work, so after
 * init (and with it the whole pid namespace) is gone this gets everything. */
void consoles_drain_all(struct consoles *c)
{
	for (int i = 0; i < MAX_CONSOLES; i++)
		console_drain(c, i);
}
