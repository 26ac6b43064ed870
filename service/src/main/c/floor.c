/* floor: the kernel's share of a container start, for the benchmark.
 *
 * Each cycle clones into new mnt/pid/uts/ipc namespaces, makes / rprivate,
 * mounts a fresh proc and a tmpfs /dev, execs /bin/true and is waited for.
 * Prints the median and the 90th percentile in microseconds per cycle.
 * Usage: floor N   (as root)
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static __attribute__((noreturn)) void child(void)
{
	char *argv[] = { "/bin/true", NULL };
	char *envp[] = { NULL };

	/* rprivate first, so the new mounts never propagate to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755") < 0)
		_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	int n = argc > 1 ? atoi(argv[1]) : 0;
	long long *t;

	if (n <= 0) {
		fprintf(stderr, "usage: floor N\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 0; i < n; i++) {
		long long t0 = now_us();
		int status;
		pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);

		if (pid < 0) {
			perror("clone");
			return 1;
		}
		if (pid == 0)
			child();
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "cycle %d failed (status 0x%x)\n", i, status);
			return 1;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("cycles %d median_us %lld p90_us %lld\n", n, t[n / 2], t[(n * 9) / 10]);
	return 0;
}
