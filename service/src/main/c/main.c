/* corral-supervisor: entry point and the start sequence (and, with an
 * `enter` plan, the same sequence for a command in a running container:
 * enter.c joins its namespaces, then init.c's exec path runs in a fork).
 *
 *   service (JVM) --spawn--> parent --fork--> supervisor --clone--> init
 *                            exits 0 after     "corral-sup"       execs the
 *                            setsid()          stays until init   container's
 *                                              has ended          init
 *
 * Sync points with init (one SOCK_SEQPACKET socketpair, close-on-exec):
 *   1. init blocks reading one byte; meanwhile the supervisor writes init's
 *      PID to the cgroup files and, with `pause 1`, waits for the service's
 *      `go` (uid maps, veths, machined are the service's business).
 *   2. supervisor sends each `idmap` step's detached tree (idmap.c), then
 *      writes the byte: init runs the steps, sending each pty
 *      master ("pty <n>" + SCM_RIGHTS) as it creates it.
 *   2a. with a `gate` step instead of a pause, init runs the steps before it
 *      at once while the service makes the container's cgroups; the
 *      supervisor waits for `go` and forwards it as a second byte.
 *   3. init sends "failed ..." and exits, or its execve closes the socket:
 *      EOF with no failure means the exec succeeded.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct supervisor sup;

/* Report the last failure on the first control connection and stop. The
 * line goes out after init is reaped and the socket is removed, so the
 * service may remove the cgroup and reuse the path as soon as it reads it. */
static __attribute__((noreturn)) void abort_start(void)
{
	char line[sizeof(last_failure.arg) + 128];

	/* init_pid 0 would make kill() hit our whole process group. */
	if (sup.init_pid > 0) {
		kill(sup.init_pid, SIGKILL);
		while (waitpid(sup.init_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	control_unlisten(&sup.ctl);
	format_failure(line, sizeof(line));
	log_msg("%.*s", (int)strlen(line) - 1, line);
	send_line(CONTROL_FD, line);
	exit(1);
}

/* The service waits only for this short-lived parent, so the supervisor is
 * never the JVM's child and survives a service restart. The parent exits
 * once the child has its own session (no signals from the JVM's group). */
static void daemonize(void)
{
	int p[2];
	char c = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		perror("corral-supervisor: fork");
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0 || write(p[1], &c, 1) != 1) {
		perror("corral-supervisor: setsid");
		exit(1);
	}
	close(p[1]);
	/* A daemon must not pin the launcher's working directory (and its
	 * mount); plan paths are absolute. */
	if (chdir("/") < 0) {
		perror("corral-supervisor: chdir /");
		exit(1);
	}
}

/* The log file named by the plan becomes fds 1 and 2 (a standby was
 * spawned before its container was known, with /dev/null there). */
static int redirect_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return fail(-1, "log", path);
	if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		close(fd);
		return fail(-1, "log", path);
	}
	close(fd);
	return 0;
}

static int check_passed_fds(const struct plan *p)
{
	char arg[16];

	for (int i = 0; i < p->nfds; i++) {
		if (fcntl(PASSED_FD_BASE + i, F_GETFD) < 0) {
			snprintf(arg, sizeof(arg), "%d", PASSED_FD_BASE + i);
			return fail(-1, "fds", arg);
		}
	}
	return 0;
}

/* What needs no plan: a standby does it while it waits for one. */
static int prepare_early(int sync[2])
{
	sigset_t chld;

	/* Blocked before clone so that no SIGCHLD is lost; init unblocks it. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		return fail(-1, "signalfd", "SIGCHLD");
	sup.sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sup.sig_fd < 0)
		return fail(-1, "signalfd", "SIGCHLD");
	/* Opened before any setns: in enter mode /proc becomes the container's. */
	sup.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sup.proc_fd < 0)
		return fail(-1, "proc", "/proc");
	if (proc_starttime(sup.proc_fd, getpid(), &sup.start_time) < 0)
		return fail(-1, "proc", "/proc/self/stat");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
		return fail(-1, "socketpair", "sync");
	return 0;
}

/* Takes the caller into a new mount namespace whose root is an empty
 * read-only tmpfs: unshare, pivot into a tmpfs, drop the host's tree.
 * pivot_root(2) visits every thread on the host (0.7 ms beside 1000 running
 * containers) and holds the kernel's mount lock meanwhile: the service does
 * this once (`--root-template`), and standbys copy that namespace. */
static int enter_empty_root(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=16k") < 0 ||
	    mkdir("/proc/.host", 0700) < 0 || syscall(SYS_pivot_root, "/proc", "/proc/.host") < 0 ||
	    chdir("/") < 0 || umount2("/.host", MNT_DETACH) < 0 || rmdir("/.host") < 0 ||
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	return 0;
}

/* The mount namespace a standby's init will enter (`enterroot`), made while
 * the standby waits: a copy of the service's template (a plain unshare from
 * inside it, no pivot), or without one a namespace of its own. -1 when it
 * cannot be made: init then pivots. We go back to the host's namespace at
 * once; nothing else of ours changes. */
static int make_root_namespace(int template)
{
	int host = openat(sup.proc_fd, "self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ns = -1;

	if (host >= 0 && cwd >= 0) {
		int made = template >= 0 ? (setns(template, CLONE_NEWNS) == 0 && unshare(CLONE_NEWNS) == 0 ? 0 : -1)
					 : enter_empty_root();
		if (made == 0)
			ns = openat(sup.proc_fd, "self/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			log_msg("no mount namespace made ahead (%m): init will pivot");
		if (setns(host, CLONE_NEWNS) < 0 || fchdir(cwd) < 0) {
			fail(-1, "rootns", "back to the host's mount namespace");
			abort_start();
		}
	}
	if (host >= 0)
		close(host);
	if (cwd >= 0)
		close(cwd);
	return ns;
}

/* `--root-template`: enters an empty-root namespace, says `ready PID` on
 * fd 4 so that the service can open /proc/PID/ns/mnt, and stays until fd 3
 * (the plan pipe) closes. */
static int root_template(void)
{
	char line[64], c;

	daemonize();
	prctl(PR_SET_NAME, "corral-rootns", 0, 0, 0);
	if (enter_empty_root() < 0) {
		snprintf(line, sizeof(line), "failed %d\n", errno);
		send_line(CONTROL_FD, line);
		return 1;
	}
	snprintf(line, sizeof(line), "ready %d\n", (int)getpid());
	if (send_line(CONTROL_FD, line) < 0)
		return 1;
	while (read(PLAN_FD, &c, 1) > 0)
		;
	return 0;
}

/* Everything else that can fail without a container is done before clone. */
static int prepare(const struct plan *p)
{
	if (check_passed_fds(p) < 0 || control_listen(&sup.ctl, p->socket_path) < 0 ||
	    consoles_init(&sup.cons, p->consolelog) < 0)
		return -1;
	if (fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC) < 0)
		return fail(-1, "control", "fd 4");
	return 0;
}

/* With `clonecgroup`, clone3 creates init in that cgroup2 directory
 * (CLONE_INTO_CGROUP): no migration afterwards, so none of the kernel's
 * global cgroup_threadgroup_rwsem, whose writer waits for an RCU grace
 * period. Without a stack clone3 behaves like fork too. */
static pid_t clone_into_cgroup(const struct plan *p)
{
	struct clone_args args = { .flags = p->clone_flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	int fd = open(p->clone_cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pid_t pid;

	if (fd < 0)
		return fail(-1, "clonecgroup", p->clone_cgroup);
	args.cgroup = (__u64)fd;
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		return 0;
	if (pid < 0)
		fail(-1, "clonecgroup", p->clone_cgroup);
	close(fd);
	return pid;
}

/* A raw clone with no stack behaves like fork, but with new namespaces:
 * CLONE_NEWPID only takes effect for a child, which is why init is cloned
 * rather than the supervisor unsharing. In enter mode there are no flags:
 * a plain fork into the namespaces entered before. */
static int spawn(const struct plan *p, int sync[2])
{
	pid_t pid = p->clone_cgroup ? clone_into_cgroup(p)
				    : (pid_t)syscall(SYS_clone, p->clone_flags | SIGCHLD, NULL, NULL, NULL, 0);

	if (pid < 0)
		return p->clone_cgroup ? -1 : fail(-1, "clone", "");
	if (pid == 0) {
		close(sync[0]);
		init_main(p, sync[1], sup.rootns);
	}
	close(sync[1]);
	if (sup.rootns >= 0) {
		close(sup.rootns); /* init has it now */
		sup.rootns = -1;
	}
	sup.init_pid = pid;
	/* The passed fds belong to the container now: a pipe or socket handed
	 * to init must see EOF when init closes it, not be held open by us. */
	for (int i = 0; i < p->nfds; i++)
		close(PASSED_FD_BASE + i);
	return 0;
}

/* init's PID, or in enter mode our own before the fork (enter.c). */
int join_cgroups(const struct plan *p, pid_t pid)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%d", (int)pid);

	for (int i = 0; i < p->ncgroupprocs; i++) {
		int fd = open(p->cgroupprocs[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write_all(fd, text, (size_t)len) < 0) {
			fail(-1, "cgroupprocs", p->cgroupprocs[i]);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* Blocking on fd 4 until the service says `go`; nothing else is served yet. */
static int wait_for_go(void)
{
	struct client first = { .fd = CONTROL_FD };
	char line[LINE_MAX_LEN];
	bool eof;
	int r;

	snprintf(line, sizeof(line), "spawned %d\n", (int)sup.init_pid);
	if (send_line(CONTROL_FD, line) < 0)
		return fail(-1, "pause", "spawned");
	for (;;) {
		r = control_read_line(&first, line, sizeof(line), &eof);
		if (r < 0 || eof)
			return fail_errno(r < 0 ? errno : EPIPE, -1, "pause", "control connection");
		if (r > 0 && strcmp(line, "go") == 0)
			return 0;
		if (r > 0)
			send_line(CONTROL_FD, "error waiting for go\n");
	}
}

/* One message from init: a pty master, a failure, or EOF (exec done). */
static int read_init_message(int fd, bool *done)
{
	char buf[sizeof(last_failure.arg) + 128];
	int master, index, step, err, off = 0;
	char op[32];
	ssize_t n = recv_with_fd(fd, buf, sizeof(buf) - 1, &master);

	/* Init ended with our gate byte unread (it failed before its gate): the
	 * kernel reports that once, as ECONNRESET, ahead of what init sent,
	 * which is still queued. */
	if (n < 0 && errno == ECONNRESET)
		n = recv_with_fd(fd, buf, sizeof(buf) - 1, &master);
	if (n < 0)
		return fail(-1, "sync", "recvmsg");
	*done = n == 0;
	if (n == 0)
		return 0;
	buf[n] = '\0';
	if (master >= 0 && sscanf(buf, "pty %d", &index) == 1)
		return console_add(&sup.cons, index, master);
	if (sscanf(buf, "failed %d %31s %d %n", &step, op, &err, &off) == 3 && off > 0) {
		static char opname[32];
		snprintf(opname, sizeof(opname), "%s", op);
		return fail_errno(err, step, opname, buf + off);
	}
	return fail_errno(EPROTO, -1, "sync", buf);
}

/* The service waits for this line: it goes out before the log line. */
static int send_started(void)
{
	unsigned long long init_start;
	char line[160];

	if (proc_starttime(sup.proc_fd, sup.init_pid, &init_start) < 0)
		return fail(-1, "started", "/proc/PID/stat");
	snprintf(line, sizeof(line), "started %d %llu %d %llu\n", (int)sup.init_pid, init_start,
		 (int)getpid(), sup.start_time);
	/* The service may already be gone; it will find us by the socket. */
	if (send_line(CONTROL_FD, line) < 0)
		log_msg("control connection: %m");
	log_msg("%.*s", (int)strlen(line) - 1, line);
	return 0;
}

int main(int argc, char **argv)
{
	char *buf;
	size_t len;
	struct plan plan;
	int sync[2];
	bool done = false;
	bool standby = false;
	int template = -1;

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("corral-supervisor %s (plan version %s)\n", CORRAL_VERSION,
		       PLAN_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--root-template") == 0)
		return root_template();
	if (argc > 1 && strcmp(argv[1], "--standby") == 0) {
		standby = true;
		/* `--standby --rootns`: fd 5 is the service's template namespace. */
		template = argc > 2 && strcmp(argv[2], "--rootns") == 0 ? PASSED_FD_BASE : -1;
	} else if (argc > 1) {
		fprintf(stderr, "usage: corral-supervisor [--version|--standby [--rootns]|--root-template]"
				"  (plan on fd 3, see README.md)\n");
		return 2;
	}
	daemonize();
	prctl(PR_SET_NAME, "corral-sup", 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	sup.ctl.listen_fd = -1;
	sup.rootns = -1;
	/* A standby waits for its plan, maybe long: it must not hold copies of
	 * what the JVM had open meanwhile (another start's passed pipe would
	 * never see EOF). Its plan passes no fds. */
	if (standby && syscall(SYS_close_range, PASSED_FD_BASE + (template >= 0), ~0U, 0) < 0) {
		fail(-1, "close_range", "");
		abort_start();
	}
	if (standby && prepare_early(sync) < 0)
		abort_start();
	if (standby) {
		sup.rootns = make_root_namespace(template);
		if (template >= 0)
			close(template);
	}
	if (plan_read(PLAN_FD, &buf, &len) < 0 || plan_parse(buf, len, &plan) < 0)
		abort_start();
	close(PLAN_FD);
	if (standby && plan.nfds > 0) {
		fail_errno(EINVAL, -1, "fds", "a standby supervisor gets no fds");
		abort_start();
	}
	if (plan.log && redirect_log(plan.log) < 0)
		abort_start();
	/* The launcher is a JVM: whatever it had open without close-on-exec
	 * (jars, its copies of the passed fds, pipes) arrived here too. Keep
	 * only the contract's fds, so nothing leaks into the container and a
	 * passed pipe sees EOF when init closes it. (A standby did so before
	 * its plan came, and has opened its own since.) */
	if (!standby && syscall(SYS_close_range, PASSED_FD_BASE + plan.nfds, ~0U, 0) < 0) {
		fail(-1, "close_range", "");
		abort_start();
	}
	log_init(plan.name);
	sup.plan = &plan;
	if ((!standby && prepare_early(sync) < 0) || prepare(&plan) < 0)
		abort_start();
	if (plan.enter_pid) {
		if (enter_container(&plan, sup.proc_fd) < 0 || spawn(&plan, sync) < 0)
			abort_start();
	} else if (spawn(&plan, sync) < 0 || join_cgroups(&plan, sup.init_pid) < 0 ||
		   (plan.pause && wait_for_go() < 0) ||
		   send_idmapped_trees(&plan, sup.proc_fd, sup.init_pid, sync[0]) < 0) {
		abort_start();
	}
	if (write(sync[0], "g", 1) != 1) {
		fail(-1, "sync", "release");
		abort_start();
	}
	/* A failure of init before its gate is read below: the byte then finds
	 * the socket closed, which is no failure of ours. */
	if (plan.gated) {
		if (wait_for_go() < 0)
			abort_start();
		if (write(sync[0], "g", 1) != 1 && errno != EPIPE && errno != ECONNRESET) {
			fail(-1, "sync", "gate");
			abort_start();
		}
	}
	while (!done)
		if (read_init_message(sync[0], &done) < 0)
			abort_start();
	close(sync[0]);
	if (send_started() < 0)
		abort_start();
	control_add_client(&sup.ctl, CONTROL_FD);
	if (fcntl(CONTROL_FD, F_SETFL, O_NONBLOCK) < 0)
		log_msg("control connection: %m");
	supervise(&sup);
}
