/* corral-supervisor: shared declarations.
 *
 * The supervisor executes a plan computed by the Java service (README.md is
 * the reference for the plan format and the control protocol). It decides
 * nothing: every mount, node, variable and capability comes from the plan.
 *
 * Error style (one for the whole program): a function that fails records
 * what failed with fail() and returns -1; errno is kept in the record. The
 * caller either passes the -1 up or reports the record as a `failed` line.
 */
#ifndef CORRAL_SUPERVISOR_H
#define CORRAL_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CORRAL_VERSION "0.1.0"
#define PLAN_VERSION   "1"

/* Inherited descriptors; the Java launcher sets them up (see README.md). */
#define PLAN_FD	       3
#define CONTROL_FD     4
#define PASSED_FD_BASE 5
/* Where passed descriptors arrive in init: 3 .. 3+N-1 (sd_listen_fds). */
#define INIT_FD_BASE 3

#define PLAN_MAX	(1024 * 1024)
#define CONSOLE_LOG_MAX (1024 * 1024)
#define MAX_CONSOLES	16
#define MAX_CLIENTS	16
#define LINE_MAX_LEN	1024

enum op {
	OP_VERSION,
	OP_NAME,
	OP_SOCKET,
	OP_EXITFILE,
	OP_CONSOLELOG,
	OP_LOG,
	OP_CLONE,
	OP_CGROUPPROCS,
	OP_CLONECGROUP,
	OP_PAUSE,
	OP_FDS,
	OP_ENTER,
	OP_STDIO,
	/* Everything from here on is a step record, executed by init. */
	OP_CGROUPJOIN,
	OP_HOSTNAME,
	OP_MOUNT,
	OP_MKDIR,
	OP_FILE,
	OP_MKNOD,
	OP_SYMLINK,
	OP_CHOWN,
	OP_SETID,
	OP_IDMAP,
	OP_IFUP,
	OP_PTY,
	OP_PIVOT,
	OP_ENTERROOT,
	OP_GATE,
	OP_UMOUNT,
	OP_CHDIR,
	OP_CAPDROP,
	OP_ENV,
	OP_ARGV,
	OP_EXEC,
};
#define OP_FIRST_STEP OP_CGROUPJOIN

struct step {
	int index; /* counts step records from 0: the <step-index> of `failed` */
	enum op op;
	const char *name; /* the op as written in the plan */
	char **args;
	int nargs;
};

struct plan {
	const char *name;
	const char *socket_path; /* NULL: no listening socket */
	const char *exitfile;	 /* NULL: no exit file */
	const char *consolelog;	 /* NULL: console 0 is drained and dropped */
	const char *log;	 /* NULL: fds 1 and 2 as spawned are the log */
	unsigned long clone_flags;
	char **cgroupprocs;
	int ncgroupprocs;
	const char *clone_cgroup; /* a cgroup2 directory init is created in, or NULL */
	bool pause;
	bool gated; /* a `gate` step: init stops there until the service's `go` */
	int nfds;
	pid_t enter_pid; /* enter mode: join this process's namespaces; 0: start a container */
	bool stdio;	 /* the passed fds become 0, 1, 2 (enter mode) */
	int nconsoles;	 /* number of pty records */
	struct step *steps;
	int nsteps;
	char **argv; /* NULL-terminated, gathered from argv records */
	char **envp; /* NULL-terminated, gathered from env records */
};

/* The last failure: becomes `failed <step> <op> <errno> <arg>`. */
struct failure {
	int step; /* -1: before any step (plan, supervisor setup) */
	const char *op;
	int err;
	char arg[4096];
};
extern struct failure last_failure;

/* util.c */
int fail(int step, const char *op, const char *arg);
int fail_errno(int err, int step, const char *op, const char *arg);
int format_failure(char *buf, size_t size);
void log_init(const char *name);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int write_all(int fd, const void *buf, size_t len);
int send_line(int fd, const char *line);
int send_line_fd(int fd, const char *line, int passfd);
ssize_t recv_with_fd(int fd, void *buf, size_t len, int *passfd);
int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out);
int proc_starttime(int proc_fd, pid_t pid, unsigned long long *out);
int write_file_atomic(const char *path, const char *text);

/* plan.c */
int plan_read(int fd, char **buf, size_t *len);
int plan_parse(char *buf, size_t len, struct plan *plan);

/* idmap.c: the supervisor's half of `idmap` steps (host privileges, after
 * `go`): one detached tree per step, handed to init over the sync socket. */
int send_idmapped_trees(const struct plan *plan, int proc_fd, pid_t init_pid, int sync_fd);

/* init.c: runs in the cloned child and never returns. */
__attribute__((noreturn)) void init_main(const struct plan *plan, int sync_fd, int rootns);

/* console.c */
struct consoles {
	int master[MAX_CONSOLES]; /* -1: none */
	int peer[MAX_CONSOLES];	  /* our own slave fd: keeps the pty from hanging up */
	int client[MAX_CONSOLES]; /* our end of the attached client's socketpair, or -1 */
	bool open[MAX_CONSOLES];  /* still polled */
	int log_fd;
	off_t log_size;
};
int consoles_init(struct consoles *c, const char *logpath);
int console_add(struct consoles *c, int index, int master);
void console_drain(struct consoles *c, int index);
void consoles_drain_all(struct consoles *c);
int console_attach(struct consoles *c, int index, bool force, int given, int *theirs);
void console_input(struct consoles *c, int index);
void console_detach(struct consoles *c, int index);

/* control.c */
struct client {
	int fd;	       /* -1: free slot */
	int passed_fd; /* an fd that came with the client's last bytes, or -1 */
	size_t len;
	char buf[LINE_MAX_LEN];
};
struct control {
	int listen_fd; /* -1: none */
	const char *path;
	struct client clients[MAX_CLIENTS];
};
int control_listen(struct control *ctl, const char *path);
void control_unlisten(struct control *ctl);
int control_add_client(struct control *ctl, int fd);
void control_accept(struct control *ctl);
void control_close_client(struct client *cl);
int control_read_line(struct client *cl, char *line, size_t size, bool *eof);
void control_broadcast(struct control *ctl, const char *line);

/* main.c */
int join_cgroups(const struct plan *plan, pid_t pid);

/* enter.c: enter mode, joins the target's namespaces and cgroups. */
int enter_container(const struct plan *plan, int proc_fd);

/* loop.c */
struct supervisor {
	const struct plan *plan;
	pid_t init_pid; /* in enter mode: the command */
	int proc_fd;	/* the host's /proc, still ours after entering a mount namespace */
	int sig_fd;
	int rootns; /* a standby's mount namespace for init's `enterroot`, or -1 */
	unsigned long long start_time; /* ours, field 22 of /proc/self/stat, for `started` */
	struct control ctl;
	struct consoles cons;
};
__attribute__((noreturn)) void supervise(struct supervisor *sup);
void client_command(struct supervisor *sup, struct client *cl, const char *line);

#endif
