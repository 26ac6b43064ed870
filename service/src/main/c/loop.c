/* The supervision loop: one poll over SIGCHLD (signalfd), the listening
 * socket, the console masters, attached console clients and the control
 * clients, until init (in enter mode: the command) ends. */
#include "supervisor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* `console <n> [force]`: the reply line carries the client's end of a new
 * socketpair. If the reply cannot be sent the attachment is undone. */
static void console_command(struct supervisor *sup, struct client *cl, const char *arg)
{
	const char *space = strchr(arg, ' ');
	size_t len = space ? (size_t)(space - arg) : strlen(arg);
	bool force = space && strcmp(space, " force") == 0;
	char reply[256], text[16];
	unsigned long index = 0;
	int theirs = -1;

	snprintf(text, sizeof(text), "%.*s", (int)len, arg);
	if ((space && !force) || len >= sizeof(text) ||
	    parse_ulong(text, 10, 1000000, &index) < 0) {
		snprintf(reply, sizeof(reply), "error invalid console %.64s\n", arg);
	} else if (console_attach(&sup->cons, (int)index, force, cl->passed_fd, &theirs) < 0) {
		const char *why = errno == ENOENT ? "no-console" : errno == EBUSY ? "busy" : NULL;
		snprintf(reply, sizeof(reply), "error %s %lu\n", why ? why : strerror(errno),
			 index);
	} else if (theirs < 0) {
		cl->passed_fd = -1; /* now the console's attached end */
		snprintf(reply, sizeof(reply), "console %lu\n", index);
	} else {
		snprintf(reply, sizeof(reply), "console %lu\n", index);
		if (send_line_fd(cl->fd, reply, theirs) < 0) {
			console_detach(&sup->cons, (int)index);
			control_close_client(cl);
		}
		close(theirs);
		return;
	}
	if (send_line(cl->fd, reply) < 0)
		control_close_client(cl);
}

void client_command(struct supervisor *sup, struct client *cl, const char *line)
{
	char reply[256];
	unsigned long signo;

	if (strncmp(line, "console ", 8) == 0) {
		console_command(sup, cl, line + 8);
		return;
	}
	if (strcmp(line, "status") == 0) {
		snprintf(reply, sizeof(reply), "status running %d\n", (int)sup->init_pid);
	} else if (strncmp(line, "signal ", 7) == 0) {
		if (parse_ulong(line + 7, 10, 64, &signo) < 0 || signo == 0)
			snprintf(reply, sizeof(reply), "error invalid signal %s\n", line + 7);
		else if (kill(sup->init_pid, (int)signo) < 0)
			snprintf(reply, sizeof(reply), "error %s\n", strerror(errno));
		else
			snprintf(reply, sizeof(reply), "ok\n");
	} else if (strcmp(line, "go") == 0) {
		snprintf(reply, sizeof(reply), "error already started\n");
	} else {
		snprintf(reply, sizeof(reply), "error unknown command %.64s\n", line);
	}
	if (send_line(cl->fd, reply) < 0)
		control_close_client(cl);
}

static void client_input(struct supervisor *sup, struct client *cl)
{
	char line[LINE_MAX_LEN];
	bool eof = false;
	int r = 0;

	while (cl->fd >= 0 && (r = control_read_line(cl, line, sizeof(line), &eof)) > 0)
		client_command(sup, cl, line);
	if (cl->fd >= 0 && (r < 0 || eof)) {
		if (r < 0 && errno == EMSGSIZE)
			send_line(cl->fd, "error line too long\n");
		control_close_client(cl);
	}
}

/* Order matters: the console log is complete before anyone hears of the
 * end, the exit file is in place before the line goes out (a service that
 * misses the line reads the file), and the socket path is free before the
 * service could start the container again. */
static __attribute__((noreturn)) void finish(struct supervisor *sup, int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	char line[128], record[128];

	consoles_drain_all(&sup->cons);
	snprintf(line, sizeof(line), "exited %d %d\n", code, sig);
	snprintf(record, sizeof(record), "exited %d %d %lld\n", code, sig, (long long)time(NULL));
	if (sup->plan->exitfile && write_file_atomic(sup->plan->exitfile, record) < 0)
		log_msg("exit file %s: %m", sup->plan->exitfile);
	control_unlisten(&sup->ctl);
	control_broadcast(&sup->ctl, line);
	log_msg("%s %d exited, code %d signal %d", sup->plan->enter_pid ? "command" : "init",
		(int)sup->init_pid, code, sig);
	exit(0);
}

/* init is our only child, so any SIGCHLD is about it. */
static void child_event(struct supervisor *sup)
{
	struct signalfd_siginfo si;
	int status;

	while (read(sup->sig_fd, &si, sizeof(si)) == sizeof(si))
		;
	pid_t r = waitpid(sup->init_pid, &status, WNOHANG);
	if (r == sup->init_pid)
		finish(sup, status);
	if (r < 0 && errno != EINTR)
		log_msg("waitpid: %m");
}

enum kind { K_SIGNAL, K_LISTEN, K_CONSOLE, K_ATTACHED, K_CLIENT };
#define MAX_POLL (2 + 2 * MAX_CONSOLES + MAX_CLIENTS)

void supervise(struct supervisor *sup)
{
	struct pollfd pfd[MAX_POLL];
	enum kind kind[MAX_POLL];
	int index[MAX_POLL];

	for (;;) {
		int n = 0;

#define WATCH(fd_, kind_, index_)                                                                  \
	do {                                                                                       \
		pfd[n] = (struct pollfd){ .fd = (fd_), .events = POLLIN };                         \
		kind[n] = (kind_);                                                                 \
		index[n++] = (index_);                                                             \
	} while (0)
		WATCH(sup->sig_fd, K_SIGNAL, 0);
		if (sup->ctl.listen_fd >= 0)
			WATCH(sup->ctl.listen_fd, K_LISTEN, 0);
		for (int i = 0; i < MAX_CONSOLES; i++)
			if (sup->cons.open[i])
				WATCH(sup->cons.master[i], K_CONSOLE, i);
		for (int i = 0; i < MAX_CONSOLES; i++)
			if (sup->cons.client[i] >= 0)
				WATCH(sup->cons.client[i], K_ATTACHED, i);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (sup->ctl.clients[i].fd >= 0)
				WATCH(sup->ctl.clients[i].fd, K_CLIENT, i);
#undef WATCH

		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno != EINTR)
				log_msg("poll: %m");
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			switch (kind[i]) {
			case K_SIGNAL: child_event(sup); break;
			case K_LISTEN: control_accept(&sup->ctl); break;
			case K_CONSOLE: console_drain(&sup->cons, index[i]); break;
			case K_ATTACHED: console_input(&sup->cons, index[i]); break;
			case K_CLIENT: client_input(sup, &sup->ctl.clients[index[i]]); break;
			}
		}
	}
}
