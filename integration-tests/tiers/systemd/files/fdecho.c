/*
 * fdecho: init of the socket-activation test container "mycontainer" (systemd tier).
 *
 * busybox has no applet that serves connections from an inherited listening socket (nc -l and
 * httpd bind their own), so this is the smallest honest server: it checks LISTEN_FDS (set by
 * corral from corralctl start --pass-fds 3), accepts on fd 3 and answers every connection with
 * one line naming itself and echoing what it read. run.sh builds it with gcc -static on the
 * host and copies it into the busybox root as /bin/fdecho.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    const char *fds = getenv("LISTEN_FDS");
    const char *pid = getenv("LISTEN_PID");
    if (fds == NULL || atoi(fds) < 1) {
        fprintf(stderr, "fdecho: no LISTEN_FDS, nothing passed in\n");
        return 1;
    }
    for (;;) {
        int c = accept(3, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            perror("fdecho: accept on fd 3");
            return 1;
        }
        char in[256];
        ssize_t n = read(c, in, sizeof in - 1);
        in[n > 0 ? n : 0] = '\0';
        char out[512];
        int len = snprintf(out, sizeof out, "mycontainer LISTEN_FDS=%s LISTEN_PID=%s pid=%d echo=%s", fds,
                           pid ? pid : "-", (int)getpid(), in);
        if (write(c, out, (size_t)len) < 0)
            perror("fdecho: write");
        close(c);
    }
}
