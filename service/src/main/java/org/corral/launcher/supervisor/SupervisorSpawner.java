package org.corral.launcher.supervisor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.sys.Native;
import org.corral.sys.SyscallException;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Starts corral-supervisor processes and hands each its plan (fd 3) and control socket (fd 4;
 * service/src/main/c/README.md, "Invocation").
 *
 * <p>One supervisor is kept spawned ahead of need ({@code --standby}): posix_spawn from the JVM,
 * the exec and the supervisor's daemonizing fork cost about 1.5 ms of every start, which a start
 * that finds a standby skips; it only writes the plan. The next standby is spawned on a thread
 * of its own after each start, so an idle service that never started a container has none. A
 * start that passes fds (they must be in place at spawn) or finds no standby spawns a fresh
 * supervisor, as does {@code Exec}. A standby ends by itself when its plan pipe closes without a
 * plan: at {@link #close}, or when the service dies.
 */
public final class SupervisorSpawner implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(SupervisorSpawner.class);

    /** Above every fd number a supervisor gets (0..4 and the passed fds). */
    private static final int SPAWN_FD_BASE = 64;
    private static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
    /** How long a start waits for a standby being spawned; a spawn takes about 1.5 ms. */
    private static final long REFILL_WAIT_MS = 20;

    /**
     * A supervisor waiting for its plan: the plan pipe's write end and our control socket end,
     * already a channel (junixsocket's cast and non-blocking mode: 60-80 us at a start).
     */
    private record Standby(int planFd, int controlFd, AFUNIXSocketChannel control) {
        void close() {
            Native.closeQuietly(planFd);
            try {
                control.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private final Path binary;
    private final SupervisorMonitor monitor;
    private final AtomicReference<Standby> standby = new AtomicReference<>();
    private final AtomicBoolean refillQueued = new AtomicBoolean();
    /** Completes when the queued refill is done (at once when none is). */
    private volatile CompletableFuture<Void> refillDone = CompletableFuture.completedFuture(null);
    private final ExecutorService refills = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "corral-standby");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    public SupervisorSpawner(Path binary, SupervisorMonitor monitor) {
        this.binary = binary;
        this.monitor = monitor;
    }

    /**
     * Starts a supervisor for {@code plan} and returns its control connection, watched by the
     * monitor for {@code listener}; {@code attach} gets the connection before the plan is sent.
     *
     * @param log        the supervisor's log file (the plan of a container names it too)
     * @param passedFds  fds that become 5, 6, ... in the supervisor (none for a standby)
     * @param useStandby whether a standby may take this plan: its plan must name the log
     *                   ({@code log} record) and pass no fds
     */
    public SupervisorConnection start(byte[] plan, Path log, List<Integer> passedFds, boolean useStandby,
            SupervisorConnection.Listener listener, Consumer<SupervisorConnection> attach) throws IOException {
        Standby ready = useStandby && passedFds.isEmpty() ? takeStandby() : null;
        try {
            if (ready != null) {
                return handOver(ready, plan, listener, attach);
            }
            return spawnFresh(plan, log, passedFds, listener, attach);
        } catch (SyscallException e) {
            throw new IOException("cannot start " + binary + ": " + e.getMessage(), e);
        }
    }

    /**
     * A standby still waiting (not ended, nothing said), or null. Starts in a row (a script,
     * 1000 CreateXML calls) come while the refill queued by the start before is spawning: that
     * standby is ready sooner than a supervisor spawned now, beside it.
     */
    private Standby takeStandby() {
        Standby s = standby.getAndSet(null);
        if (s == null && refillQueued.get()) {
            try {
                refillDone.get(REFILL_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // spawn one of our own
            }
            s = standby.getAndSet(null);
        }
        if (s != null && !Native.quietPeer(s.controlFd())) {
            LOG.warn("the standby supervisor ended before it was needed; starting a fresh one");
            s.close();
            return null;
        }
        return s;
    }

    private SupervisorConnection handOver(Standby s, byte[] plan, SupervisorConnection.Listener listener,
            Consumer<SupervisorConnection> attach) throws IOException {
        int planFd = s.planFd();
        try {
            SupervisorConnection conn = monitor.watch(s.control(), listener);
            attach.accept(conn);
            Native.writeFully(planFd, plan);
            return conn;
        } finally {
            Native.closeQuietly(planFd);
        }
    }

    private SupervisorConnection spawnFresh(byte[] plan, Path log, List<Integer> passedFds,
            SupervisorConnection.Listener listener, Consumer<SupervisorConnection> attach) throws IOException {
        int logFd = Native.open(log.toString(), Native.O_WRONLY | Native.O_CREAT | Native.O_APPEND, 0600);
        Spawned p;
        try {
            p = spawn(List.of("corral-supervisor"), logFd, passedFds);
        } finally {
            Native.closeQuietly(logFd);
        }
        SupervisorConnection conn;
        try {
            conn = watch(p.controlFd(), listener);
            attach.accept(conn);
            Native.writeFully(p.planFd(), plan);
        } finally {
            Native.closeQuietly(p.planFd());
        }
        // The supervisor forks at once and its parent exits after setsid(); reap that parent.
        int status = Native.waitpid(p.pid());
        if (status != 0) {
            throw new IOException("corral-supervisor exited with status " + status + " before starting (see " + log + ")");
        }
        return conn;
    }

    /** A spawned supervisor's short-lived parent, and our ends of its plan pipe and control socket. */
    private record Spawned(int pid, int planFd, int controlFd) {
    }

    /** Spawns with fds 0..4 (and the passed ones) in place; stdout and stderr to {@code outFd}. */
    private Spawned spawn(List<String> argv, int outFd, List<Integer> passedFds) throws SyscallException {
        List<Integer> toClose = new ArrayList<>();
        int[] pair = null;
        int[] planPipe = null;
        try {
            pair = Native.socketpair();
            planPipe = Native.pipe();
            int devNull = track(toClose, Native.open("/dev/null", Native.O_RDWR, 0));
            int[] fdMap = new int[5 + passedFds.size()];
            // Every source is duplicated above all targets so that no dup2 in the child
            // overwrites a source that a later dup2 still needs.
            fdMap[0] = track(toClose, Native.dupAtLeast(devNull, SPAWN_FD_BASE));
            fdMap[1] = track(toClose, Native.dupAtLeast(outFd < 0 ? devNull : outFd, SPAWN_FD_BASE));
            fdMap[2] = fdMap[1];
            fdMap[3] = track(toClose, Native.dupAtLeast(planPipe[0], SPAWN_FD_BASE));
            fdMap[4] = track(toClose, Native.dupAtLeast(pair[1], SPAWN_FD_BASE));
            for (int i = 0; i < passedFds.size(); i++) {
                fdMap[5 + i] = track(toClose, Native.dupAtLeast(passedFds.get(i), SPAWN_FD_BASE));
            }
            int pid = Native.spawn(binary.toString(), argv, ENV, fdMap);
            Spawned s = new Spawned(pid, planPipe[1], pair[0]);
            planPipe[1] = -1;
            pair[0] = -1;
            return s;
        } finally {
            for (int fd : toClose) {
                Native.closeQuietly(fd);
            }
            if (pair != null) {
                Native.closeQuietly(pair[0]);
                Native.closeQuietly(pair[1]);
            }
            if (planPipe != null) {
                Native.closeQuietly(planPipe[0]);
                Native.closeQuietly(planPipe[1]);
            }
        }
    }

    private SupervisorConnection watch(int controlFd, SupervisorConnection.Listener listener) throws IOException {
        AFUNIXSocketChannel ch;
        try {
            ch = FileDescriptorCast.unsafeUsing(controlFd).as(AFUNIXSocketChannel.class);
        } catch (IOException e) {
            Native.closeQuietly(controlFd);
            throw e;
        }
        return monitor.watch(ch, listener);
    }

    /**
     * Queues the spawn of the next standby unless one is ready or queued. Called once a start
     * is over (init runs, or the start failed): while the container is being set up the spawn's
     * CPU (about 1.5 ms) would compete with it on a small machine.
     */
    public void refill() {
        if (closed || standby.get() != null || !refillQueued.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        refillDone = done;
        try {
            refills.execute(() -> {
                try {
                    spawnStandby();
                } finally {
                    refillQueued.set(false);
                    done.complete(null);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            refillQueued.set(false); // closed meanwhile
            done.complete(null);
        }
    }

    /**
     * The template mount namespace, whose root is an empty read-only tmpfs: a standby copies it
     * for its init (`enterroot`) instead of taking a pivot_root(2) of its own, which visits every
     * thread on the host and holds the kernel's mount lock meanwhile (0.7-1.3 ms beside 1000
     * running containers, falling into whatever start or destroy comes next). Made once, by a
     * `corral-supervisor --root-template` that ends as soon as its namespace is open here; -1
     * when that failed (standbys then make their own). Touched on the refill thread only.
     */
    private int rootTemplate = -1;
    private boolean rootTemplateTried;

    private int rootTemplate() {
        if (rootTemplateTried) {
            return rootTemplate;
        }
        rootTemplateTried = true;
        Spawned p;
        try {
            p = spawn(List.of("corral-supervisor", "--root-template"), -1, List.of());
        } catch (SyscallException e) {
            LOG.warn("cannot spawn {} --root-template: {}; standbys make their own namespaces", binary, e.getMessage());
            return -1;
        }
        try (AFUNIXSocketChannel control = FileDescriptorCast.unsafeUsing(p.controlFd()).as(AFUNIXSocketChannel.class)) {
            Native.waitpid(p.pid());
            control.socket().setSoTimeout(TEMPLATE_TIMEOUT_MS);
            byte[] buf = new byte[64];
            int n = control.socket().getInputStream().read(buf);
            String line = n > 0 ? new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII).trim() : "";
            if (!line.matches("ready [0-9]+")) {
                LOG.warn("no template mount namespace ('{}'); standbys make their own", line);
                return -1;
            }
            rootTemplate = Native.open("/proc/" + line.substring("ready ".length()) + "/ns/mnt", 0, 0);
        } catch (IOException e) {
            LOG.warn("no template mount namespace: {}; standbys make their own", e.getMessage());
        } finally {
            Native.closeQuietly(p.planFd()); // the template process ends; its namespace stays with our fd
        }
        return rootTemplate;
    }

    private static final int TEMPLATE_TIMEOUT_MS = 5000;

    private void spawnStandby() {
        if (closed) {
            return;
        }
        try {
            int template = rootTemplate();
            Spawned p = template < 0 ? spawn(List.of("corral-supervisor", "--standby"), -1, List.of())
                    : spawn(List.of("corral-supervisor", "--standby", "--rootns"), -1, List.of(template));
            AFUNIXSocketChannel control;
            try {
                control = FileDescriptorCast.unsafeUsing(p.controlFd()).as(AFUNIXSocketChannel.class);
                control.configureBlocking(false);
            } catch (IOException e) {
                Native.closeQuietly(p.planFd());
                Native.closeQuietly(p.controlFd());
                Native.waitpid(p.pid());
                LOG.warn("cannot use a standby's control socket: {}", e.getMessage());
                return;
            }
            Standby s = new Standby(p.planFd(), p.controlFd(), control);
            int status = Native.waitpid(p.pid());
            if (status != 0) {
                s.close();
                LOG.warn("a standby corral-supervisor exited with status {}; starts spawn their own", status);
                return;
            }
            if (closed || !standby.compareAndSet(null, s)) {
                s.close();
            }
        } catch (SyscallException e) {
            LOG.warn("cannot spawn a standby {}: {}", binary, e.getMessage());
        }
    }

    private static int track(List<Integer> fds, int fd) {
        fds.add(fd);
        return fd;
    }

    /** Ends the standby (its plan pipe closes empty); running supervisors are not touched. */
    @Override
    public void close() {
        closed = true;
        refills.shutdown();
        Standby s = standby.getAndSet(null);
        if (s != null) {
            s.close();
        }
        try {
            if (refills.awaitTermination(5, TimeUnit.SECONDS)) {
                Native.closeQuietly(rootTemplate);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
