package org.corral.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.launcher.cgroup.ContainerCgroup;
import org.corral.launcher.supervisor.SupervisorConnection;
import org.corral.sys.Errno;
import org.corral.sys.Native;
import org.corral.sys.SyscallException;

/**
 * A container whose init runs: its processes, cgroup and files, and the control connection to
 * its supervisor. Reports the end of init exactly once, from the "exited" line or, when the
 * supervisor went away while the service was not listening, from the exit file.
 */
public final class RunningContainer implements SupervisorConnection.Listener {

    private static final Logger LOG = LogManager.getLogger(RunningContainer.class);

    private final String name;
    private final String uuid;
    private final LaunchPaths paths;
    private final ContainerCgroup cgroup;
    private final ExitListener onExit;
    /** Lines up to "started" or "failed" (and "spawned" before them when paused). */
    private final java.util.concurrent.BlockingQueue<String> handshake = new java.util.concurrent.LinkedBlockingQueue<>();
    private volatile boolean handshakeDone;
    private volatile List<org.corral.network.PlumbedInterface> nics = List.of();
    private final AtomicBoolean exitReported = new AtomicBoolean();
    private volatile SupervisorConnection connection;
    private volatile ProcessIdentity init;
    private volatile ProcessIdentity supervisor;
    private volatile long startedAtMicros;

    /** Hears, once, how init ended. Called on the supervisor monitor thread: return quickly. */
    public interface ExitListener {
        void exited(RunningContainer container, ExitStatus status);
    }

    RunningContainer(String name, String uuid, LaunchPaths paths, ContainerCgroup cgroup, ExitListener onExit) {
        this.name = name;
        this.uuid = uuid;
        this.paths = paths;
        this.cgroup = cgroup;
        this.onExit = onExit;
    }

    void attach(SupervisorConnection c) {
        this.connection = c;
    }

    /** Connects a running container's supervisor again through its socket. */
    interface Reconnector {
        boolean reconnect(RunningContainer rc);
    }

    private volatile Reconnector reconnector;

    void setReconnector(Reconnector r) {
        this.reconnector = r;
    }

    void running(ProcessIdentity init, ProcessIdentity supervisor, long startedAtMicros) {
        this.init = init;
        this.supervisor = supervisor;
        this.startedAtMicros = startedAtMicros;
    }

    /** The next handshake line, "" when the supervisor went away, null on timeout. */
    String nextHandshakeLine(long seconds) throws InterruptedException {
        return handshake.poll(seconds, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** After a re-attach: every line is an event. */
    void skipHandshake() {
        handshakeDone = true;
    }

    void sendGo() throws IOException {
        connection.send("go");
    }

    /**
     * The service gives up a start before `started`: the supervisor reads end of file (waiting
     * for `go`, or at its next read), kills init, removes its socket and ends. Returns once it has
     * said so (or gone), at most after {@code seconds}, so that nothing of it is left when the
     * caller cleans up. Nothing to do once the supervisor reported how the start went.
     */
    void abandonStart(long seconds) throws InterruptedException {
        SupervisorConnection c = connection;
        if (c == null || handshakeDone) {
            return;
        }
        c.shutdownOutput();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        String line;
        do {
            long left = deadline - System.nanoTime();
            line = left <= 0 ? null : handshake.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
        } while (line != null && !line.isEmpty() && !line.startsWith("failed ") && !line.startsWith("started "));
        c.close();
    }

    /** Loop devices attached for this container's image filesystems, detached by {@link #cleanUp}. */
    private volatile List<String> loops = List.of();

    public List<String> loops() {
        return loops;
    }

    void setLoops(List<String> loops) {
        this.loops = List.copyOf(loops);
    }

    public List<org.corral.network.PlumbedInterface> nics() {
        return nics;
    }

    void setNics(List<org.corral.network.PlumbedInterface> nics) {
        this.nics = List.copyOf(nics);
    }

    public String name() {
        return name;
    }

    /** The UUID of the definition it runs, for the state file. */
    public String uuid() {
        return uuid;
    }

    public LaunchPaths paths() {
        return paths;
    }

    public ContainerCgroup cgroup() {
        return cgroup;
    }

    public ProcessIdentity init() {
        return init;
    }

    public ProcessIdentity supervisor() {
        return supervisor;
    }

    public long startedAtMicros() {
        return startedAtMicros;
    }

    private volatile CompletableFuture<String> pendingConsole;

    /**
     * Asks the supervisor for a relay socket of a console; returns the fd, owned by the caller.
     * One request at a time per container.
     */
    public synchronized int openConsole(int index, boolean force) throws org.corral.core.CorralException {
        // The service makes the pair: one end goes to the supervisor with the request, the other
        // to the caller. No fd ever travels from a supervisor to the service.
        int[] pair;
        try {
            pair = Native.socketpair();
        } catch (IOException e) {
            throw new org.corral.core.CorralException(org.corral.core.CorralException.Kind.FAILED,
                    "cannot make a console socket for '" + name + "': " + e.getMessage());
        }
        CompletableFuture<String> reply = new CompletableFuture<>();
        pendingConsole = reply;
        String line;
        try {
            connection.send("console " + index + (force ? " force" : ""), pair[0]);
            line = reply.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Native.closeQuietly(pair[1]);
            throw new org.corral.core.CorralException(org.corral.core.CorralException.Kind.FAILED,
                    "the supervisor of '" + name + "' did not attach console " + index + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Native.closeQuietly(pair[1]);
            throw new org.corral.core.CorralException(org.corral.core.CorralException.Kind.FAILED, "interrupted");
        } finally {
            pendingConsole = null;
            Native.closeQuietly(pair[0]); // the supervisor has its own copy
        }
        if (line.startsWith("console ")) {
            return pair[1];
        }
        Native.closeQuietly(pair[1]);
        if (line.startsWith("error busy")) {
            throw new org.corral.core.CorralException(org.corral.core.CorralException.Kind.BUSY, "console " + index
                    + " of container '" + name + "' is in use by another client; flags 1 (force) takes it over");
        }
        if (line.startsWith("error no-console")) {
            throw org.corral.core.CorralException.invalidArgs("container '" + name + "' has no console " + index);
        }
        throw new org.corral.core.CorralException(org.corral.core.CorralException.Kind.FAILED,
                "the supervisor of '" + name + "' answered '" + line + "'");
    }

    @Override
    public void line(String line) {
        if (!handshakeDone) {
            handshakeDone = line.startsWith("started ") || line.startsWith("failed ");
            handshake.add(line);
            return;
        }
        CompletableFuture<String> console = pendingConsole;
        if (console != null && (line.startsWith("console ") || line.startsWith("error "))) {
            console.complete(line);
            return;
        }
        if (line.startsWith("exited ")) {
            reportExit(ExitStatus.parse(line));
        } else if (line.startsWith("status running ") && (init == null || init.pid() == 0)) {
            int pid = Integer.parseInt(line.substring("status running ".length()).trim());
            try {
                init = new ProcessIdentity(pid, ProcessIdentity.startTime(pid));
            } catch (IOException e) {
                LOG.warn("container '{}': init {} vanished while re-attaching", name, pid);
            }
        }
        // "status", "ok" and "error" answers need no action here.
    }

    @Override
    public void closed() {
        if (!handshakeDone) {
            handshakeDone = true;
            handshake.add("");
            return;
        }
        // The supervisor writes the exit file before it says "exited"; a connection that ends
        // without the line means the service missed it, or the supervisor was killed. A
        // supervisor that is still there only lost this connection: connect again.
        ExitStatus recorded = readExitFile();
        ProcessIdentity sup = supervisor;
        if (recorded == ExitStatus.LOST && sup != null && sup.isAlive() && reconnector != null
                && reconnector.reconnect(this)) {
            LOG.warn("container '{}': lost the connection to its supervisor {}, connected again", name, sup.pid());
            return;
        }
        reportExit(recorded);
    }

    ExitStatus readExitFile() {
        try {
            return ExitStatus.parse(Files.readString(paths.exitFile()));
        } catch (IOException | RuntimeException e) {
            return ExitStatus.LOST;
        }
    }

    private volatile boolean supervisorGone;

    void markSupervisorGone() {
        supervisorGone = true;
    }

    /** After a re-attach found no supervisor: reports the recorded end now. */
    public void reportExitIfSupervisorGone() {
        if (supervisorGone) {
            reportExit(readExitFile());
        }
    }

    void reportExit(ExitStatus status) {
        if (exitReported.compareAndSet(false, true)) {
            onExit.exited(this, status);
        }
    }

    /** Asks the supervisor for status; the answer arrives as a line. */
    void requestStatus() {
        try {
            connection.send("status");
        } catch (IOException e) {
            // the connection's end is reported through closed()
        }
    }

    /** Sends a signal to init, after making sure the PID is still ours. */
    public void signalInit(int signal) throws IOException {
        ProcessIdentity i = init;
        if (i == null || !i.isAlive()) {
            return;
        }
        try {
            Native.kill(i.pid(), signal);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
        }
    }

    /**
     * SIGKILL to init and to every process of the cgroup at once. A PID namespace's init ignores
     * SIGTERM, and there is nothing to wait for: libvirt waits 1.6 s here, corral does not.
     */
    public void killAll() throws IOException {
        signalInit(9);
        cgroup.killAll();
    }

    /** Asks init for runlevel 0 or 6 through its initctl FIFO; false when it has none. */
    public boolean requestRunlevel(char runlevel) throws IOException {
        ProcessIdentity i = init;
        return i != null && Initctl.requestRunlevel(i.pid(), runlevel);
    }

    /** The empty staging directories of block/image filesystems (their mounts were the container's). */
    static void deleteStaging(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                Files.deleteIfExists(e);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", dir, e.getMessage());
        }
    }

    /** After init has ended: removes the cgroup and the runtime files but the logs. */
    public void cleanUp() {
        if (connection != null) {
            connection.close();
        }
        try {
            cgroup.killAll();
        } catch (IOException e) {
            LOG.error("container '{}': cannot kill what is left in cgroup {}: {}", name, cgroup.relativePath(),
                    e.getMessage());
        }
        // Also after a failed kill: whatever can be removed is.
        try {
            cgroup.remove();
        } catch (IOException e) {
            LOG.error("container '{}': cannot remove cgroup {}: {}", name, cgroup.relativePath(), e.getMessage());
        }
        // After the kill: a loop device still mounted in the dying namespace is detached by the
        // kernel at its last unmount (losetup -d marks it autoclear).
        List<String> attached = loops;
        loops = List.of(); // once: a detached number may be reused by another container
        BlockFilesystems.detach(attached);
        deleteStaging(paths.blockStaging());
        for (Path p : new Path[] {paths.stateFile(), paths.liveXml(), paths.exitFile(), paths.socket(), paths.sysStaging(),
                paths.blockRoot()}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.error("container '{}': cannot remove {}: {}", name, p, e.getMessage());
            }
        }
    }
}
