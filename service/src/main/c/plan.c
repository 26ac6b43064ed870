/* Reading and parsing the plan (fd 3).
 *
 * A record is "op\0arg\0...\0\0". An argument may be empty (a NULL mount
 * source, an empty argv entry), so the terminating empty string cannot be
 * found by scanning alone: each op has a fixed number of arguments, read
 * whatever they contain, and only the variadic tail (pty links, capdrop
 * numbers) ends at the first empty string. The ops are mirrored by the Java
 * plan builder; keep both sides in step with README.md.
 */
#include "supervisor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opdef {
	const char *name;
	enum op op;
	int nfixed;
	bool variadic; /* zero or more further arguments */
};

static const struct opdef opdefs[] = {
	{ "version", OP_VERSION, 1, false },
	{ "name", OP_NAME, 1, false },
	{ "socket", OP_SOCKET, 1, false },
	{ "exitfile", OP_EXITFILE, 1, false },
	{ "consolelog", OP_CONSOLELOG, 1, false },
	{ "log", OP_LOG, 1, false },
	{ "clone", OP_CLONE, 1, false },
	{ "cgroupprocs", OP_CGROUPPROCS, 1, false },
	{ "clonecgroup", OP_CLONECGROUP, 1, false },
	{ "pause", OP_PAUSE, 1, false },
	{ "fds", OP_FDS, 1, false },
	{ "enter", OP_ENTER, 1, false },
	{ "stdio", OP_STDIO, 1, false },
	{ "cgroupjoin", OP_CGROUPJOIN, 1, false },
	{ "hostname", OP_HOSTNAME, 1, false },
	{ "mount", OP_MOUNT, 5, false },
	{ "mkdir", OP_MKDIR, 2, false },
	{ "file", OP_FILE, 2, false },
	{ "mknod", OP_MKNOD, 4, false },
	{ "symlink", OP_SYMLINK, 2, false },
	{ "chown", OP_CHOWN, 3, false },
	{ "setid", OP_SETID, 2, false },
	{ "idmap", OP_IDMAP, 3, false },
	{ "ifup", OP_IFUP, 1, false },
	{ "pty", OP_PTY, 2, true },
	{ "pivot", OP_PIVOT, 1, false },
	{ "enterroot", OP_ENTERROOT, 1, false },
	{ "gate", OP_GATE, 0, false },
	{ "umount", OP_UMOUNT, 2, false },
	{ "chdir", OP_CHDIR, 1, false },
	{ "capdrop", OP_CAPDROP, 0, true },
	{ "env", OP_ENV, 1, false },
	{ "argv", OP_ARGV, 1, false },
	{ "exec", OP_EXEC, 0, false },
};

int plan_read(int fd, char **bufp, size_t *lenp)
{
	/* One byte more than allowed, to tell "exactly 1 MiB" from "over". */
	char *buf = malloc(PLAN_MAX + 1);
	size_t len = 0;

	if (!buf)
		return fail(-1, "plan", "read");
	for (;;) {
		ssize_t n = read(fd, buf + len, PLAN_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(-1, "plan", "read");
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > PLAN_MAX)
			return fail_errno(EFBIG, -1, "plan", "larger than 1 MiB");
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

static const struct opdef *opdef_find(const char *name)
{
	for (size_t i = 0; i < sizeof(opdefs) / sizeof(opdefs[0]); i++)
		if (strcmp(opdefs[i].name, name) == 0)
			return &opdefs[i];
	return NULL;
}

static int append(char ***vec, int *count, char *s)
{
	char **v = realloc(*vec, sizeof(char *) * (size_t)(*count + 2));

	if (!v)
		return -1;
	v[(*count)++] = s;
	v[*count] = NULL;
	*vec = v;
	return 0;
}

/* Header records configure the supervisor itself. */
static int header(struct plan *p, const struct opdef *d, char **args)
{
	unsigned long v;
	const char *a = args[0];

	switch (d->op) {
	case OP_VERSION:
		if (strcmp(a, PLAN_VERSION) != 0)
			return fail_errno(EPROTONOSUPPORT, -1, "version", a);
		return 0;
	case OP_NAME: p->name = a; return 0;
	case OP_SOCKET: p->socket_path = a; return 0;
	case OP_EXITFILE: p->exitfile = a; return 0;
	case OP_CONSOLELOG: p->consolelog = a; return 0;
	case OP_LOG: p->log = a; return 0;
	case OP_CLONE:
		if (parse_ulong(a, 10, ~0UL, &p->clone_flags) < 0)
			return fail(-1, "clone", a);
		return 0;
	case OP_CGROUPPROCS:
		if (append(&p->cgroupprocs, &p->ncgroupprocs, args[0]) < 0)
			return fail(-1, "cgroupprocs", a);
		return 0;
	case OP_CLONECGROUP: p->clone_cgroup = a; return 0;
	case OP_PAUSE:
		if (parse_ulong(a, 10, 1, &v) < 0)
			return fail(-1, "pause", a);
		p->pause = v == 1;
		return 0;
	case OP_FDS:
		if (parse_ulong(a, 10, 1024, &v) < 0)
			return fail(-1, "fds", a);
		p->nfds = (int)v;
		return 0;
	case OP_ENTER:
		if (parse_ulong(a, 10, 0x7fffffff, &v) < 0)
			return fail(-1, "enter", a);
		if (v == 0)
			return fail_errno(EINVAL, -1, "enter", a);
		p->enter_pid = (pid_t)v;
		return 0;
	case OP_STDIO:
		if (parse_ulong(a, 10, 1, &v) < 0)
			return fail(-1, "stdio", a);
		p->stdio = v == 1;
		return 0;
	default: return fail_errno(EINVAL, -1, "plan", d->name);
	}
}

/* Steps are kept as text (numbers are parsed by init when it runs them);
 * env and argv are gathered here so that init only has to execve. */
static int add_step(struct plan *p, const struct opdef *d, char **args, int nargs)
{
	struct step *s = realloc(p->steps, sizeof(*s) * (size_t)(p->nsteps + 1));
	int index = p->nsteps;
	int argc = 0, envc = 0;

	if (!s)
		return fail(index, d->name, "");
	p->steps = s;
	s[index] = (struct step){ index, d->op, d->name, args, nargs };
	p->nsteps++;
	for (char **v = p->argv; v && *v; v++)
		argc++;
	for (char **v = p->envp; v && *v; v++)
		envc++;
	if (d->op == OP_ARGV && append(&p->argv, &argc, args[0]) < 0)
		return fail(index, d->name, args[0]);
	if (d->op == OP_ENV) {
		if (!strchr(args[0], '='))
			return fail_errno(EINVAL, index, d->name, args[0]);
		if (append(&p->envp, &envc, args[0]) < 0)
			return fail(index, d->name, args[0]);
	}
	if (d->op == OP_GATE) {
		/* One gate, and never with a pause: both wait for the same `go`. */
		if (p->gated || p->pause)
			return fail_errno(EINVAL, index, d->name, p->pause ? "with pause" : "second gate");
		p->gated = true;
	}
	if (d->op == OP_PTY) {
		if (p->nconsoles == MAX_CONSOLES)
			return fail_errno(E2BIG, index, d->name, args[0]);
		p->nconsoles++;
	}
	return 0;
}

/* Split one record starting at *pos; the buffer is known to end in '\0'. */
static int next_record(char *buf, size_t len, size_t *pos, int step, const struct opdef **dp,
		       char ***argsp, int *nargsp)
{
	char *op = buf + *pos;
	const struct opdef *d;
	size_t p = *pos + strlen(op) + 1;
	int nargs;
	char **args;

	d = *op ? opdef_find(op) : NULL;
	if (!d)
		return fail_errno(EINVAL, step, "plan", *op ? op : "empty op");
	if (d->op < OP_FIRST_STEP)
		step = -1;
	/* Count the variadic tail first: it ends at the first empty string. */
	nargs = d->nfixed;
	if (d->variadic) {
		size_t q = p;
		for (int i = 0; i < d->nfixed && q < len; i++)
			q += strlen(buf + q) + 1;
		while (q < len && buf[q]) {
			q += strlen(buf + q) + 1;
			nargs++;
		}
	}
	args = calloc((size_t)nargs + 1, sizeof(char *));
	if (!args)
		return fail(step, "plan", op);
	for (int i = 0; i < nargs; i++) {
		if (p >= len)
			return fail_errno(EINVAL, step, "plan", op);
		args[i] = buf + p;
		p += strlen(buf + p) + 1;
	}
	if (p >= len || buf[p] != '\0')
		return fail_errno(EINVAL, step, "plan", op);
	*pos = p + 1;
	*dp = d;
	*argsp = args;
	*nargsp = nargs;
	return 0;
}

/* Enter mode runs a command in a running container: no clone, socket, exit
 * file, console or pause, and of the steps only what the exec needs. `stdio`
 * belongs to enter mode and takes exactly three fds. */
static int check_mode(const struct plan *p, unsigned long headers)
{
	const unsigned long enter_headers = 1UL << OP_VERSION | 1UL << OP_NAME | 1UL << OP_ENTER |
					    1UL << OP_STDIO | 1UL << OP_CGROUPPROCS | 1UL << OP_FDS;
	char text[16];

	if (!p->enter_pid) {
		if (headers & 1UL << OP_STDIO)
			return fail_errno(EINVAL, -1, "plan", "stdio");
		return 0;
	}
	for (size_t i = 0; i < sizeof(opdefs) / sizeof(opdefs[0]); i++)
		if (opdefs[i].op < OP_FIRST_STEP && headers & 1UL << opdefs[i].op &&
		    !(enter_headers & 1UL << opdefs[i].op))
			return fail_errno(EINVAL, -1, "plan", opdefs[i].name);
	for (int i = 0; i < p->nsteps; i++) {
		enum op op = p->steps[i].op;
		if (op != OP_SETID && op != OP_CHDIR && op != OP_CAPDROP && op != OP_ENV &&
		    op != OP_ARGV && op != OP_EXEC)
			return fail_errno(EINVAL, -1, "plan", p->steps[i].name);
	}
	snprintf(text, sizeof(text), "fds %d", p->nfds);
	if (p->stdio && p->nfds != 3)
		return fail_errno(EINVAL, -1, "stdio", text);
	return 0;
}

int plan_parse(char *buf, size_t len, struct plan *p)
{
	size_t pos = 0;
	bool have_version = false, have_exec = false;
	unsigned long headers = 0; /* bit (1 << op) for each header record seen */

	*p = (struct plan){ .name = "?" };
	if (len == 0 || buf[len - 1] != '\0')
		return fail_errno(EINVAL, -1, "plan", "truncated");
	while (pos < len) {
		const struct opdef *d = NULL;
		char **args = NULL;
		int nargs = 0;
		int step = p->nsteps;

		if (have_exec)
			return fail_errno(EINVAL, p->nsteps, "plan", "record after exec");
		if (next_record(buf, len, &pos, step, &d, &args, &nargs) < 0)
			return -1;
		if (d->op < OP_FIRST_STEP) {
			if (p->nsteps > 0)
				return fail_errno(EINVAL, p->nsteps, "plan", d->name);
			have_version |= d->op == OP_VERSION;
			headers |= 1UL << d->op;
			if (header(p, d, args) < 0)
				return -1;
			free(args);
			continue;
		}
		if (add_step(p, d, args, nargs) < 0)
			return -1;
		have_exec = d->op == OP_EXEC;
	}
	if (!have_version)
		return fail_errno(EPROTONOSUPPORT, -1, "version", "missing");
	if (!have_exec)
		return fail_errno(EINVAL, p->nsteps, "plan", "no exec record");
	if (!p->argv)
		return fail_errno(EINVAL, p->nsteps - 1, "exec", "no argv");
	if (check_mode(p, headers) < 0)
		return -1;
	if (!p->envp && append(&p->envp, &(int){ 0 }, NULL) < 0)
		return fail(-1, "plan", "env");
	return 0;
}
