/* Runs inside the cloned child, between clone and exec ("fcns run inside
 * the container"); in enter mode, in the forked command (only the exec-time
 * steps are allowed there). Steps run in plan order; the first failure is sent to the
 * supervisor as a `failed` line on the sync socket and the child _exits.
 * The sync socket is close-on-exec: a successful execve closes it, so the
 * supervisor reads EOF and nothing else.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

struct init {
	const struct plan *plan;
	int sync_fd;
	int console_index; /* next pty record's console number */
	int stdio_fd;	   /* slave that becomes 0/1/2, or -1 */
	const struct step *stdio_step;
	const struct step *chdir_step;
	const struct step *capdrop_step;
	int *trees; /* by step index: the supervisor's tree for an `idmap` step, or -1 */
	int rootns; /* the supervisor's mount namespace for `enterroot`, or -1 */
};

static int fail_step(const struct step *s, const char *arg)
{
	return fail(s->index, s->name, arg);
}

/* Empty mount source/fstype/data means NULL. */
static const char *nullable(const char *s)
{
	return *s ? s : NULL;
}

static int num(const struct step *s, const char *text, int base, unsigned long max,
	       unsigned long *out)
{
	if (parse_ulong(text, base, max, out) < 0)
		return fail_step(s, text);
	return 0;
}

static int do_hostname(const struct step *s)
{
	const char *h = s->args[0];

	if (sethostname(h, strlen(h)) < 0)
		return fail_step(s, h);
	return 0;
}

/* Brings a network interface up: the loopback of a new network namespace
 * starts down, and nothing in a bare container would raise it.
 */
static int do_ifup(const struct step *s)
{
	struct ifreq ifr;
	int fd, rc = -1;

	if (strlen(s->args[0]) >= IFNAMSIZ)
		return fail_errno(ENAMETOOLONG, s->index, s->name, s->args[0]);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_step(s, s->args[0]);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, s->args[0]);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0)
			rc = 0;
	}
	if (rc < 0)
		fail_step(s, s->args[0]);
	close(fd);
	return rc;
}

/* "0" is the writer itself. Written to a cgroup v1 `tasks` file by a
 * single-threaded process, it moves that process without the write side of
 * the kernel's global cgroup_threadgroup_rwsem, which waits for an RCU grace
 * period (milliseconds) each time; the supervisor writing init's PID to
 * `cgroup.procs` takes it. */
static int do_cgroupjoin(const struct step *s)
{
	int fd = open(s->args[0], O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "0", 1) != 1) {
		fail_step(s, s->args[0]);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int do_mount(const struct step *s)
{
	unsigned long flags;
	char **a = s->args;

	if (num(s, a[3], 10, ~0UL, &flags) < 0)
		return -1;
	if (mount(nullable(a[0]), a[1], nullable(a[2]), flags, nullable(a[4])) < 0)
		return fail_step(s, a[1]);
	return 0;
}

/* Modes are exact: the umask (inherited from the service) does not apply. */
static int do_mkdir(const struct step *s)
{
	unsigned long mode;
	const char *path = s->args[0];

	if (num(s, s->args[1], 8, 07777, &mode) < 0)
		return -1;
	if (mkdir(path, (mode_t)mode) < 0) {
		if (errno == EEXIST)
			return 0;
		return fail_step(s, path);
	}
	if (chmod(path, (mode_t)mode) < 0)
		return fail_step(s, path);
	return 0;
}

static int do_file(const struct step *s)
{
	unsigned long mode;
	const char *path = s->args[0];
	int fd;

	if (num(s, s->args[1], 8, 07777, &mode) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return errno == EEXIST ? 0 : fail_step(s, path);
	if (fchmod(fd, (mode_t)mode) < 0) {
		close(fd);
		return fail_step(s, path);
	}
	close(fd);
	return 0;
}

static int do_mknod(const struct step *s)
{
	unsigned long mode, major, minor;
	const char *path = s->args[0];

	if (num(s, s->args[1], 8, 0177777, &mode) < 0 ||
	    num(s, s->args[2], 10, 0xfff, &major) < 0 ||
	    num(s, s->args[3], 10, 0xfffff, &minor) < 0)
		return -1;
	if (mknod(path, (mode_t)mode, makedev(major, minor)) < 0)
		return fail_step(s, path);
	if (chmod(path, (mode_t)(mode & 07777)) < 0)
		return fail_step(s, path);
	return 0;
}

static int do_symlink(const struct step *s)
{
	if (symlink(s->args[0], s->args[1]) < 0)
		return fail_step(s, s->args[1]);
	return 0;
}

static int do_chown(const struct step *s)
{
	unsigned long uid, gid;

	if (num(s, s->args[1], 10, 0xfffffffeUL, &uid) < 0 ||
	    num(s, s->args[2], 10, 0xfffffffeUL, &gid) < 0)
		return -1;
	if (chown(s->args[0], (uid_t)uid, (gid_t)gid) < 0)
		return fail_step(s, s->args[0]);
	return 0;
}

/* Become UID/GID of our user namespace (the service has written the maps):
 * until then init is the host's root seen from inside as the overflow id,
 * and can create no file. Supplementary groups are cleared (the service
 * leaves setgroups allowed: it writes the maps with CAP_SETGID). A change of
 * credentials clears the parent-death signal: armed again, and if the
 * supervisor went away meanwhile (the sync socket hung up), stop here. */
static int do_setid(struct init *in, const struct step *s)
{
	unsigned long uid, gid;
	struct pollfd pfd = { .fd = in->sync_fd, .events = 0 };

	if (num(s, s->args[0], 10, 0xfffffffeUL, &uid) < 0 ||
	    num(s, s->args[1], 10, 0xfffffffeUL, &gid) < 0)
		return -1;
	if (setgroups(0, NULL) < 0)
		return fail_step(s, "setgroups");
	if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0)
		return fail_step(s, s->args[1]);
	if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		return fail_step(s, s->args[0]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return fail_step(s, "PR_SET_PDEATHSIG");
	if (poll(&pfd, 1, 0) > 0 && pfd.revents & (POLLHUP | POLLERR))
		_exit(1);
	return 0;
}

/* The supervisor's detached tree for this step (idmap.c) goes onto TARGET. */
static int do_idmap(struct init *in, const struct step *s)
{
	int tree = in->trees ? in->trees[s->index] : -1;
	const char *target = s->args[1];

	if (tree < 0)
		return fail_errno(EPROTO, s->index, s->name, "no tree from the supervisor");
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return fail_step(s, target);
	close(tree);
	in->trees[s->index] = -1;
	return 0;
}

/* Hand a pty master to the supervisor, tagged with its console index. */
static int send_master(int sync_fd, int index, int master)
{
	char text[32];

	snprintf(text, sizeof(text), "pty %d", index);
	return send_line_fd(sync_fd, text, master);
}

static int pty_links(const struct step *s, int master)
{
	char slave[4096];
	unsigned int n;
	const char *ptmx = s->args[0];
	const char *slash = strrchr(ptmx, '/');
	int dirlen = slash ? (int)(slash - ptmx) : 1;

	if (ioctl(master, TIOCGPTN, &n) < 0)
		return fail_step(s, ptmx);
	snprintf(slave, sizeof(slave), "%.*s/%u", dirlen, slash ? ptmx : ".", n);
	for (int i = 2; i < s->nargs; i++)
		if (mount(slave, s->args[i], NULL, MS_BIND, NULL) < 0)
			return fail_step(s, s->args[i]);
	return 0;
}

/* TIOCGPTPEER opens exactly this master's slave, with no path lookup that
 * a file inside the container could redirect. */
static int take_stdio(struct init *in, const struct step *s, int master)
{
	if (in->stdio_fd >= 0)
		close(in->stdio_fd);
	in->stdio_fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	in->stdio_step = s;
	return in->stdio_fd < 0 ? fail_step(s, s->args[0]) : 0;
}

static int do_pty(struct init *in, const struct step *s)
{
	const char *ptmx = s->args[0];
	bool stdio = strcmp(s->args[1], "1") == 0;
	int unlock = 0;
	int master, r = -1;

	if (!stdio && strcmp(s->args[1], "0") != 0)
		return fail_errno(EINVAL, s->index, s->name, s->args[1]);
	master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return fail_step(s, ptmx);
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		fail_step(s, ptmx);
	else if (pty_links(s, master) < 0 || (stdio && take_stdio(in, s, master) < 0))
		; /* already recorded */
	else if (send_master(in->sync_fd, in->console_index++, master) < 0)
		fail_step(s, ptmx);
	else
		r = 0;
	close(master);
	return r;
}

/* The service's `go`, forwarded by the supervisor as one byte: the steps
 * before ran while the service made the container's cgroups. EOF: the
 * supervisor is gone (the start was abandoned). */
static int do_gate(struct init *in)
{
	char c;
	ssize_t n;

	while ((n = recv(in->sync_fd, &c, 1, 0)) < 0 && errno == EINTR)
		;
	if (n != 1 || c != 'g')
		_exit(1);
	return 0;
}

/* pivot_root(".", ".") stacks the old root on top of the new one; detaching
 * "." then removes the old root without needing a directory for it. */
static int do_pivot(const struct step *s)
{
	const char *root = s->args[0];

	if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return fail_step(s, root);
	return 0;
}

/* ROOT becomes init's root without pivot_root(2): a copy of the container's
 * tree (ROOT and everything mounted below it) goes on top of the root of the
 * namespace the supervisor made ahead, an empty read-only tmpfs, and init
 * chroots into it. The host's tree stays in the namespace init was cloned
 * into, which nothing holds once init has left it and its fds to it close.
 * A process that leaves the chroot finds the empty tmpfs, and /proc's mount
 * tables show only what is below the root. Without that namespace: pivot. */
static int do_enterroot(struct init *in, const struct step *s)
{
	const char *root = s->args[0];
	int tree;

	if (in->rootns < 0)
		return do_pivot(s);
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, root, OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return fail_step(s, root);
	if (setns(in->rootns, CLONE_NEWNS) < 0 ||
	    syscall(SYS_move_mount, tree, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    fchdir(tree) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		close(tree);
		return fail_step(s, root);
	}
	close(tree);
	close(in->rootns);
	in->rootns = -1;
	return 0;
}

static int do_umount(const struct step *s)
{
	unsigned long flags;

	if (num(s, s->args[1], 10, ~0U, &flags) < 0)
		return -1;
	if (umount2(s->args[0], (int)flags) < 0)
		return fail_step(s, s->args[0]);
	return 0;
}

static int run_step(struct init *in, const struct step *s)
{
	switch (s->op) {
	case OP_CGROUPJOIN: return do_cgroupjoin(s);
	case OP_HOSTNAME: return do_hostname(s);
	case OP_MOUNT: return do_mount(s);
	case OP_MKDIR: return do_mkdir(s);
	case OP_FILE: return do_file(s);
	case OP_MKNOD: return do_mknod(s);
	case OP_SYMLINK: return do_symlink(s);
	case OP_CHOWN: return do_chown(s);
	case OP_SETID: return do_setid(in, s);
	case OP_IDMAP: return do_idmap(in, s);
	case OP_IFUP: return do_ifup(s);
	case OP_PTY: return do_pty(in, s);
	case OP_PIVOT: return do_pivot(s);
	case OP_ENTERROOT: return do_enterroot(in, s);
	case OP_GATE: return do_gate(in);
	case OP_UMOUNT: return do_umount(s);
	/* Deferred to exec time, see exec_init(). */
	case OP_CHDIR: in->chdir_step = s; return 0;
	case OP_CAPDROP: in->capdrop_step = s; return 0;
	/* Gathered by the parser. */
	case OP_ENV:
	case OP_ARGV:
	case OP_EXEC: return 0;
	default: return fail_errno(EINVAL, s->index, s->name, "");
	}
}

/* Passed fds sit at 5.., and must land at 3.. (at 0, 1, 2 with `stdio 1`)
 * without gaps. Targets may be taken by our own fds (the control socket is
 * 4), and the sync socket and the console slave must survive; so everything
 * that matters is first copied above the target range, then the copies are
 * moved down, then everything above the targets is marked close-on-exec. */
static int relocate_fds(struct init *in, const struct step *exec_step)
{
	int n = in->plan->nfds;
	int base = in->plan->stdio ? 0 : INIT_FD_BASE;
	int floor = base + n;
	int staged[1024];

	if ((in->sync_fd = fcntl(in->sync_fd, F_DUPFD_CLOEXEC, floor)) < 0)
		return fail_step(exec_step, "sync fd");
	if (in->stdio_fd >= 0 && (in->stdio_fd = fcntl(in->stdio_fd, F_DUPFD_CLOEXEC, floor)) < 0)
		return fail_step(exec_step, "console fd");
	for (int i = 0; i < n; i++) {
		staged[i] = fcntl(PASSED_FD_BASE + i, F_DUPFD_CLOEXEC, floor);
		if (staged[i] < 0)
			return fail_step(exec_step, "passed fd");
	}
	for (int i = 0; i < n; i++)
		if (dup2(staged[i], base + i) < 0)
			return fail_step(exec_step, "passed fd");
	if (syscall(SYS_close_range, floor, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return fail_step(exec_step, "close_range");
	return 0;
}

/* A session of its own, so that the console can become its controlling
 * terminal and nothing in the container shares the supervisor's session.
 * A terminal passed as stdin (enter mode) becomes the controlling terminal
 * only if it is nobody's yet: it is not stolen, and without it the command
 * simply runs with no controlling terminal. */
static int attach_stdio(struct init *in, const struct step *exec_step)
{
	if (setsid() < 0)
		return fail_step(exec_step, "setsid");
	if (in->plan->stdio && isatty(0))
		ioctl(0, TIOCSCTTY, 0);
	if (in->stdio_fd < 0)
		return 0;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(in->stdio_fd, fd) < 0)
			return fail_step(in->stdio_step, "stdio");
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return fail_step(in->stdio_step, "TIOCSCTTY");
	return 0;
}

/* Bounding set first: PR_CAPBSET_DROP needs CAP_SETPCAP, which capset may
 * be about to remove. Clearing permitted also clears the ambient set. */
static int drop_caps(const struct step *s)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	unsigned long cap;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return fail_step(s, "capget");
	for (int i = 0; i < s->nargs; i++) {
		if (num(s, s->args[i], 10, 63, &cap) < 0)
			return -1;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail_step(s, s->args[i]);
		data[cap / 32].effective &= ~(1U << (cap % 32));
		data[cap / 32].permitted &= ~(1U << (cap % 32));
		data[cap / 32].inheritable &= ~(1U << (cap % 32));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail_step(s, "capset");
	return 0;
}

/* Ordering: fds and the console first (they need no privilege); chdir before
 * dropping capabilities, since reaching the directory may need
 * CAP_DAC_OVERRIDE that the plan drops; capabilities last of all. */
static int exec_init(struct init *in, const struct step *s)
{
	const struct plan *p = in->plan;

	if (relocate_fds(in, s) < 0 || attach_stdio(in, s) < 0)
		return -1;
	if (in->chdir_step && chdir(in->chdir_step->args[0]) < 0)
		return fail_step(in->chdir_step, in->chdir_step->args[0]);
	if (in->capdrop_step && drop_caps(in->capdrop_step) < 0)
		return -1;
	execve(p->argv[0], p->argv, p->envp);
	return fail_step(s, p->argv[0]);
}

/* Before the release byte the supervisor sends one message per `idmap`
 * step: "idmap <step>" with the tree's descriptor (SCM_RIGHTS).
 * false: the supervisor is gone (EOF) or broke the protocol. */
static bool await_release(struct init *in)
{
	for (;;) {
		char buf[64];
		int tree, index;
		ssize_t n = recv_with_fd(in->sync_fd, buf, sizeof(buf) - 1, &tree);

		if (n <= 0)
			return false;
		buf[n] = '\0';
		if (n == 1 && buf[0] == 'g' && tree < 0)
			return true;
		if (tree < 0 || sscanf(buf, "idmap %d", &index) != 1 || index < 0 ||
		    index >= in->plan->nsteps || in->plan->steps[index].op != OP_IDMAP)
			return false;
		if (!in->trees) {
			in->trees = malloc(sizeof(int) * (size_t)in->plan->nsteps);
			if (!in->trees)
				return false;
			for (int i = 0; i < in->plan->nsteps; i++)
				in->trees[i] = -1;
		}
		in->trees[index] = tree;
	}
}

static __attribute__((noreturn)) void die(struct init *in)
{
	char line[sizeof(last_failure.arg) + 128];
	int n = format_failure(line, sizeof(line));

	/* Without the trailing newline: the supervisor forwards it as one line. */
	if (send(in->sync_fd, line, (size_t)n - 1, MSG_NOSIGNAL) < 0)
		_exit(2);
	_exit(1);
}

void init_main(const struct plan *plan, int sync_fd, int rootns)
{
	struct init in = { .plan = plan, .sync_fd = sync_fd, .stdio_fd = -1, .rootns = rootns };
	sigset_t none;

	/* The supervisor blocks SIGCHLD (for its signalfd) and ignores SIGPIPE,
	 * and may have inherited more from the launcher; a blocked or ignored
	 * signal survives execve, so all go back to the default. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/* The container is not meant to outlive its supervisor: nobody would
	 * drain its console or record its end. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Wait until the supervisor has put us into our cgroups (and the
	 * service has done its part when the plan pauses). EOF: it is gone. */
	if (!await_release(&in))
		_exit(1);
	for (int i = 0; i < plan->nsteps; i++) {
		const struct step *s = &plan->steps[i];
		int r = s->op == OP_EXEC ? exec_init(&in, s) : run_step(&in, s);
		if (r < 0)
			die(&in);
	}
	fail_errno(EINVAL, plan->nsteps, "exec", "no exec record");
	die(&in);
}
