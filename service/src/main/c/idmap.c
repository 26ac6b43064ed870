/* The supervisor's half of `idmap SOURCE TARGET FALLBACK` steps.
 *
 * An idmapped mount needs privileges that init, inside its new user
 * namespace, does not have: CAP_SYS_ADMIN over the filesystem's superblock
 * (the host's user namespace) and a detached mount that has never been
 * visible. The supervisor has both (host root, host namespaces); init's
 * mount namespace, where the tree must end up, exists only in init. So,
 * after `go` (the service has written init's uid/gid maps, which the mount
 * copies when it is made) and before init is released, the supervisor:
 *
 *   1. open_tree(SOURCE, OPEN_TREE_CLONE | AT_RECURSIVE): a detached copy;
 *   2. mount_setattr(MOUNT_ATTR_IDMAP, userns_fd = /proc/<init>/ns/user);
 *   3. sends the tree's fd to init over the sync socket: "idmap <step>" +
 *      SCM_RIGHTS, in step order.
 *
 * init then move_mount()s each tree onto TARGET when it reaches the step.
 * FALLBACK 1: if the kernel refuses to idmap the tree (mount_setattr fails:
 * a filesystem without idmapped mounts, an old kernel), the supervisor logs
 * it and sends the copy as it is, so that init binds SOURCE unmapped (as
 * `mount SOURCE TARGET "" MS_BIND|MS_REC ""` would, but without init having
 * to resolve a host path with its unprivileged ids). FALLBACK 0: the
 * refusal is the start's failure, `failed <step> idmap
 * <errno> SOURCE`. Whether to idmap and what to do otherwise is the
 * service's decision, made in the plan.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

static int send_tree(int sync_fd, const struct step *s, int tree)
{
	char text[32];

	snprintf(text, sizeof(text), "idmap %d", s->index);
	if (send_line_fd(sync_fd, text, tree) < 0)
		return fail(s->index, s->name, "sync");
	return 0;
}

/* One step: a detached, idmapped copy of SOURCE, or -1 with errno. */
static int idmapped_tree(const char *source, int userns_fd, int *tree)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP,
				   .userns_fd = (unsigned long long)userns_fd };

	*tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (*tree < 0)
		return -1;
	if (syscall(SYS_mount_setattr, *tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
		    sizeof(attr)) < 0)
		return -2;
	return 0;
}

int send_idmapped_trees(const struct plan *p, int proc_fd, pid_t init_pid, int sync_fd)
{
	char ns[64];
	int userns_fd = -1;

	for (int i = 0; i < p->nsteps; i++) {
		const struct step *s = &p->steps[i];
		bool fallback;
		int tree = -1, r, err;

		if (s->op != OP_IDMAP)
			continue;
		fallback = strcmp(s->args[2], "1") == 0;
		if (!fallback && strcmp(s->args[2], "0") != 0)
			return fail_errno(EINVAL, s->index, s->name, s->args[2]);
		if (userns_fd < 0) {
			snprintf(ns, sizeof(ns), "%d/ns/user", (int)init_pid);
			userns_fd = openat(proc_fd, ns, O_RDONLY | O_CLOEXEC);
			if (userns_fd < 0)
				return fail(s->index, s->name, "/proc/PID/ns/user");
		}
		r = idmapped_tree(s->args[0], userns_fd, &tree);
		err = errno;
		if (r == -2 && fallback) {
			log_msg("idmap %s: %s; bound without idmapping", s->args[0], strerror(err));
		} else if (r < 0) {
			if (tree >= 0)
				close(tree);
			close(userns_fd);
			return fail_errno(err, s->index, s->name, s->args[0]);
		}
		r = send_tree(sync_fd, s, tree);
		close(tree);
		if (r < 0) {
			close(userns_fd);
			return -1;
		}
	}
	if (userns_fd >= 0)
		close(userns_fd);
	return 0;
}
