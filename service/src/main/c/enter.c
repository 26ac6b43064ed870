/* Enter mode (`enter <pid>`): the supervisor joins a running container
 * before forking the command, as lxc-attach and nsenter do. A namespace is
 * joined only where it differs from ours (setns into our own user namespace
 * is EINVAL); the user namespace comes first, for the privilege over the
 * others, and the mount namespace last, since it changes our root and /proc.
 * Entering a mount namespace puts us at its root, which is not init's root
 * when init chrooted into its tree (`enterroot`): so we take init's root
 * (/proc/PID/root, as nsenter --root does) too. The pid namespace applies to
 * our children only: hence the fork after.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *name;
	int type;
} namespaces[] = {
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
};
#define NNS (int)(sizeof(namespaces) / sizeof(namespaces[0]))

/* Opens the target's namespaces that differ from ours; -1 where equal. All
 * are opened through one /proc/PID directory, so all are the same process's
 * (a dead or reused PID fails the lookups rather than mixing two). */
static int open_namespaces(const struct plan *p, int proc_fd, int ns[NNS], int *root)
{
	char path[64];
	struct stat mine, theirs;
	int dir;

	snprintf(path, sizeof(path), "%d", (int)p->enter_pid);
	dir = openat(proc_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d", (int)p->enter_pid);
	if (dir < 0)
		return fail(-1, "enter", path);
	*root = openat(dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*root < 0) {
		snprintf(path, sizeof(path), "/proc/%d/root", (int)p->enter_pid);
		fail(-1, "enter", path);
		close(dir);
		return -1;
	}
	for (int i = 0; i < NNS; i++) {
		snprintf(path, sizeof(path), "ns/%s", namespaces[i].name);
		ns[i] = openat(dir, path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)p->enter_pid,
			 namespaces[i].name);
		if (ns[i] < 0 || fstat(ns[i], &theirs) < 0) {
			fail(-1, "enter", path);
			close(dir);
			return -1;
		}
		snprintf(path, sizeof(path), "self/ns/%s", namespaces[i].name);
		if (fstatat(proc_fd, path, &mine, 0) < 0) {
			fail(-1, "enter", path);
			close(dir);
			return -1;
		}
		if (mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino) {
			close(ns[i]);
			ns[i] = -1;
		}
	}
	close(dir);
	return 0;
}

/* The cgroup files are host paths written with our host credentials, so
 * they are joined after the namespaces are open and before any is entered;
 * the command, forked after, inherits the cgroup. */
int enter_container(const struct plan *p, int proc_fd)
{
	int ns[NNS], r = 0, root = -1;

	for (int i = 0; i < NNS; i++)
		ns[i] = -1;
	if (open_namespaces(p, proc_fd, ns, &root) < 0 || join_cgroups(p, getpid()) < 0)
		r = -1;
	for (int i = 0; i < NNS; i++) {
		if (r == 0 && ns[i] >= 0 && setns(ns[i], namespaces[i].type) < 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)p->enter_pid,
				 namespaces[i].name);
			r = fail(-1, "enter", path);
		}
		if (ns[i] >= 0)
			close(ns[i]);
	}
	if (r == 0 && (fchdir(root) < 0 || chroot(".") < 0)) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/root", (int)p->enter_pid);
		r = fail(-1, "enter", path);
	}
	if (root >= 0)
		close(root);
	return r;
}
