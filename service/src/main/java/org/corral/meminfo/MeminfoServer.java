package org.corral.meminfo;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.sys.Mountinfo;

/**
 * corrald's side of corral-meminfo (see {@link Main}): find out whether a live server serves
 * RUNTIME-DIR/meminfo, and start one in its own session when none does. The server is never
 * stopped by corrald; it lives as long as the host (or until it is killed).
 *
 * <p>Files in the runtime directory: meminfo/ (the mount), meminfo.lock (held by the live
 * server), meminfo.pid ("PID STARTTIME"), meminfo.log (its stdout and stderr, appended).
 */
public final class MeminfoServer {

    /** In a holder: the server's JVM uses the static helpers here and should not start log4j. */
    private static final class Log {
        static final Logger LOG = LogManager.getLogger(MeminfoServer.class);
    }

    public static final String MAIN_CLASS = "org.corral.meminfo.Main";

    /**
     * Small heap, one C1 compiler thread, no C2: the server holds a few KiB of state. No perf
     * data: nothing in /tmp/hsperfdata_root for a process that lives as long as the host.
     */
    static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1", "-XX:-UsePerfData", "-Xss512k", "-Xms4m", "-Xmx24m",
            "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=64m");

    /** How long a stat of the mount may take before the server counts as hung. */
    private static final long STAT_TIMEOUT_MS = 2000;
    /**
     * A server that answered less than this long ago, and whose process still runs, is not asked
     * again: every container start calls {@link #ensureRunning}, and the question (a thread and a
     * FUSE round trip to the server) cost about a millisecond of each start in a burst.
     */
    private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** When the server of each runtime directory last answered (System.nanoTime); guarded by the class. */
    private static final Map<Path, Long> LAST_ANSWER = new HashMap<>();
    private static final long START_TIMEOUT_MS = 20000;

    private MeminfoServer() {
    }

    /** Set while a look-ahead is in flight: a hung server blocks one thread, not a queue of them. */
    private static final AtomicBoolean LOOKING_AHEAD = new AtomicBoolean();

    /**
     * Has the kernel look up a container's file now, on a thread of its own, so that init's bind
     * mount a moment later finds the entry cached (the mount's entry_timeout) instead of waiting
     * for two lookups by this JVM-based server (about 1 ms at a start). readlink(2) walks the path
     * and asks nothing more of the server; its EINVAL (not a link) is the expected answer.
     * Concurrent lookups of one name are merged by the kernel, so init never waits longer than
     * without it.
     */
    public static void lookAhead(Path file) {
        if (!LOOKING_AHEAD.compareAndSet(false, true)) {
            return;
        }
        LookAhead.THREAD.execute(() -> {
            try {
                Files.readSymbolicLink(file);
            } catch (IOException | RuntimeException e) {
                // NotLinkException: looked up; anything else: init's own lookup will tell
            } finally {
                LOOKING_AHEAD.set(false);
            }
        });
    }

    /** Made at the first look-ahead: the server's JVM, which shares this class, never needs it. */
    private static final class LookAhead {
        static final Executor THREAD = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "meminfo-lookahead");
            t.setDaemon(true);
            return t;
        });
    }

    /** RUNTIME-DIR/meminfo, the FUSE mount point. */
    public static Path mountPoint(Path runtimeDir) {
        return runtimeDir.resolve("meminfo");
    }

    /** The file to bind-mount over the container's /proc/meminfo. */
    public static Path meminfoFile(Path runtimeDir, String name) {
        return mountPoint(runtimeDir).resolve(name).resolve(MeminfoFilesystem.FILE);
    }

    static Path lockFile(Path runtimeDir) {
        return runtimeDir.resolve("meminfo.lock");
    }

    static Path pidFile(Path runtimeDir) {
        return runtimeDir.resolve("meminfo.pid");
    }

    public static Path logFile(Path runtimeDir) {
        return runtimeDir.resolve("meminfo.log");
    }

    /**
     * Whether a live server answers on the mount: a stat of meminfo/.alive that returns within
     * 2 s. A dead server's mount answers ENOTCONN, an unmounted directory ENOENT, a hung one not
     * at all (the stat thread is then left behind, blocked in the kernel).
     */
    public static boolean isServing(Path runtimeDir) {
        Path alive = mountPoint(runtimeDir).resolve(MeminfoFilesystem.ALIVE);
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(Files.readAttributes(alive, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .isRegularFile());
            } catch (IOException | RuntimeException e) {
                f.complete(false);
            }
        }, "meminfo-stat");
        t.setDaemon(true);
        t.start();
        try {
            return f.get(STAT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    /** The live server's pid (from meminfo.pid, checked against the process's start time). */
    public static OptionalLong serverPid(Path runtimeDir) {
        try {
            String[] f = Files.readString(pidFile(runtimeDir), StandardCharsets.US_ASCII).trim().split("\\s+");
            long pid = Long.parseLong(f[0]);
            return f.length == 2 && f[1].equals(startTime(pid)) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Field 22 of /proc/PID/stat (start time in clock ticks since boot); "" when gone. */
    static String startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f[19];
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Starts the server with this JVM's java and class path unless one serves already. */
    public static void ensureRunning(Path runtimeDir) throws IOException {
        ensureRunning(runtimeDir, Path.of(System.getProperty("java.home")), System.getProperty("java.class.path"));
    }

    /**
     * Returns at once when a live server serves RUNTIME-DIR/meminfo. Otherwise: kills a server
     * that holds the lock but does not answer, lazily unmounts what a dead server left
     * (ENOTCONN), starts {@code setsid JAVA -cp CLASSPATH org.corral.meminfo.Main --runtime-dir
     * DIR} (working directory /, stdin /dev/null, output appended to meminfo.log), and waits (at
     * most 20 s) until the mount answers.
     *
     * @throws IOException when it did not come up; the message has the end of meminfo.log
     */
    public static synchronized void ensureRunning(Path runtimeDir, Path javaHome, String classPath)
            throws IOException {
        Path key = runtimeDir.toAbsolutePath();
        Long checked = LAST_ANSWER.get(key);
        if (checked != null && System.nanoTime() - checked < RECHECK_NANOS && serverPid(runtimeDir).isPresent()) {
            return;
        }
        if (isServing(runtimeDir)) {
            LAST_ANSWER.put(key, System.nanoTime());
            return;
        }
        LAST_ANSWER.remove(key);
        Files.createDirectories(runtimeDir);
        if (lockHeld(runtimeDir)) {
            // Starting up (a concurrent start), or alive but not answering.
            if (waitServing(runtimeDir, 5000)) {
                return;
            }
            OptionalLong pid = serverPid(runtimeDir);
            Log.LOG.warn("corral-meminfo (pid {}) holds {} but {} does not answer; killing it",
                    pid.isPresent() ? pid.getAsLong() : "unknown",
                    lockFile(runtimeDir), mountPoint(runtimeDir));
            pid.ifPresent(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
            long deadline = System.currentTimeMillis() + 5000;
            while (lockHeld(runtimeDir)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IOException("corral-meminfo holds " + lockFile(runtimeDir)
                            + " but does not serve " + mountPoint(runtimeDir) + ", and it could not be killed");
                }
                sleep(50);
            }
        }
        if (detachMounts(runtimeDir) > 0) {
            // The bind mounts inside containers started before still point at the dead
            // connection: their /proc/meminfo fails with ENOTCONN until bound again.
            Log.LOG.warn("corral-meminfo had died; detached its stale mount {}; containers started before "
                    + "read ENOTCONN from /proc/meminfo until it is bound again", mountPoint(runtimeDir));
        }
        Files.deleteIfExists(pidFile(runtimeDir));

        List<String> cmd = new ArrayList<>();
        // setsid(1) without -f: a child of the JVM is no process group leader, so setsid calls
        // setsid(2) and execs java in place. The server is then our child (the JVM reaps it and
        // sees an early death) but in its own session and process group: no signal aimed at
        // corrald's group reaches it, and nothing kills children when a JVM exits.
        cmd.add(Files.isExecutable(Path.of("/usr/bin/setsid")) ? "/usr/bin/setsid" : "setsid");
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.addAll(JVM_OPTIONS);
        // jffi's stub (jnr-fuse) from the package when corrald was given it (its wrapper).
        String jffi = System.getProperty("jffi.boot.library.path");
        if (jffi != null) {
            cmd.add("-Djffi.boot.library.path=" + jffi);
        }
        cmd.add("-cp");
        cmd.add(absoluteClassPath(classPath));
        cmd.add(MAIN_CLASS);
        cmd.add("--runtime-dir");
        cmd.add(runtimeDir.toAbsolutePath().toString());
        Log.LOG.info("starting corral-meminfo for {}", mountPoint(runtimeDir));
        Process p = new ProcessBuilder(cmd)
                .directory(new File("/"))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(runtimeDir).toFile()))
                .redirectErrorStream(true)
                .start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (!isServing(runtimeDir)) {
            if (!p.isAlive()) {
                // Exit status 0: another server won a race for the lock; it may serve by now.
                if (p.exitValue() == 0 && waitServing(runtimeDir, 5000)) {
                    break;
                }
                throw new IOException("corral-meminfo exited with status " + p.exitValue() + " before serving "
                        + mountPoint(runtimeDir) + "; " + logFile(runtimeDir) + " ends with:\n" + logTail(runtimeDir));
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IOException("corral-meminfo (pid " + p.pid() + ") did not serve " + mountPoint(runtimeDir)
                        + " within " + START_TIMEOUT_MS / 1000 + " s; " + logFile(runtimeDir) + " ends with:\n"
                        + logTail(runtimeDir));
            }
            sleep(50);
        }
        Log.LOG.info("corral-meminfo serves {} (pid {})", mountPoint(runtimeDir), p.pid());
    }

    private static boolean waitServing(Path runtimeDir, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        boolean sawLock = false;
        while (System.currentTimeMillis() < deadline) {
            if (isServing(runtimeDir)) {
                return true;
            }
            // Once a server had the lock and let it go, it has exited: no point waiting on.
            boolean held = lockHeld(runtimeDir);
            if (sawLock && !held) {
                return isServing(runtimeDir);
            }
            sawLock |= held;
            sleep(50);
        }
        return false;
    }

    /** Class path entries relative to our working directory; the server runs in /. */
    static String absoluteClassPath(String classPath) {
        List<String> out = new ArrayList<>();
        for (String e : classPath.split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                // "lib/*" (a jar directory wildcard) stays a wildcard: "*" is just a file name here.
                out.add(Path.of(e).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(File.pathSeparator, out);
    }

    /** Whether some process holds the server lock (probed with a lock of our own, released at once). */
    static boolean lockHeld(Path runtimeDir) {
        try (FileChannel ch = FileChannel.open(lockFile(runtimeDir), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Lazily unmounts ({@code umount -l}, MNT_DETACH) every mount on RUNTIME-DIR/meminfo, which
     * works on a dead FUSE server's mount (ENOTCONN) too. Only for when no live server holds the
     * lock. Returns how many were detached.
     */
    static int detachMounts(Path runtimeDir) throws IOException {
        Path mnt;
        try {
            mnt = runtimeDir.toRealPath().resolve(mountPoint(runtimeDir).getFileName());
        } catch (NoSuchFileException e) {
            return 0;
        }
        int n = 0;
        while (isMountPoint(mnt)) {
            if (n >= 8) {
                throw new IOException("cannot unmount " + mnt);
            }
            run("umount", "-l", mnt.toString());
            n++;
        }
        return n;
    }

    static boolean isMountPoint(Path path) throws IOException {
        String want = path.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && Mountinfo.unescape(f[4]).equals(want)) {
                return true;
            }
        }
        return false;
    }

    private static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: "
                    + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    private static String logTail(Path runtimeDir) {
        try {
            List<String> lines = Files.readAllLines(logFile(runtimeDir), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
