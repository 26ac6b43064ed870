package org.corral.meminfo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

import org.corral.launcher.cgroup.CgroupLayout;

/**
 * corral-meminfo: the one host-wide FUSE server of the containers' /proc/meminfo, mounted at
 * RUNTIME-DIR/meminfo. corrald starts it through {@link MeminfoServer#ensureRunning} in its own
 * session, so it outlives corrald (a SIGKILLed and re-activated service finds it still serving,
 * and the bind mounts inside running containers keep working: they point at this mount and die
 * with it). One server per runtime directory: it holds an fcntl lock on RUNTIME-DIR/meminfo.lock
 * for its whole life, which the kernel drops when it dies, however it dies.
 *
 * <p>Usage: {@code java -cp CLASSPATH org.corral.meminfo.Main [--runtime-dir DIR] [--debug]}.
 * Logs to stderr (corrald sends it to RUNTIME-DIR/meminfo.log). SIGTERM unmounts and exits.
 */
public final class Main {

    private Main() {
    }

    static void log(String message) {
        System.err.println(Instant.now() + " corral-meminfo[" + ProcessHandle.current().pid() + "]: " + message);
    }

    public static void main(String[] args) {
        Path runtimeDir = Path.of("/run/corral");
        boolean debug = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runtime-dir" -> {
                    if (i + 1 >= args.length) {
                        usage("--runtime-dir needs a directory");
                    }
                    runtimeDir = Path.of(args[++i]).toAbsolutePath();
                }
                case "--debug" -> debug = true;
                default -> usage("unknown argument " + args[i]);
            }
        }
        try {
            System.exit(run(runtimeDir, debug));
        } catch (Throwable e) {
            log("failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void usage(String why) {
        System.err.println("corral-meminfo: " + why + "\nusage: corral-meminfo [--runtime-dir DIR] [--debug]");
        System.exit(2);
    }

    static int run(Path runtimeDir, boolean debug) throws IOException {
        Files.createDirectories(runtimeDir);
        Path mnt = MeminfoServer.mountPoint(runtimeDir);
        try (FileChannel lockChannel = FileChannel.open(MeminfoServer.lockFile(runtimeDir),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockChannel.tryLock();
            if (lock == null) {
                log("another corral-meminfo serves " + mnt + " (it holds " + MeminfoServer.lockFile(runtimeDir)
                        + "); exiting");
                return 0;
            }
            // Holding the lock, no live server of ours is left: any mount here is a dead one's.
            MeminfoServer.detachMounts(runtimeDir);
            Files.createDirectories(mnt);

            CgroupLayout layout = CgroupLayout.detect();
            MeminfoSource source = new MeminfoSource(runtimeDir, layout, Path.of("/proc/meminfo"));
            MeminfoFilesystem fs = new MeminfoFilesystem(source);

            long pid = ProcessHandle.current().pid();
            Path pidFile = MeminfoServer.pidFile(runtimeDir);
            String pidLine = pid + " " + MeminfoServer.startTime(pid) + "\n";
            Files.writeString(pidFile, pidLine, StandardCharsets.US_ASCII);
            log("serving " + mnt + " for " + runtimeDir + "/*.state, " + source.describe());
            // SIGTERM: the JVM keeps its own handler (libfuse only installs one over SIG_DFL), so
            // the loop ends through jnr-fuse's shutdown hook (fusermount -u -z), and the JVM may
            // halt before the finally below runs.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removePidFile(pidFile, pidLine), "meminfo-exit"));
            try {
                // allow_other: container processes (other uids, user namespaces) read it too.
                // attr_timeout=0: the owner (a container's mapped root) is known only once init
                // runs, so attributes must not be cached from the first look.
                // entry_timeout: every start bind-mounts /NAME/meminfo, and a name looked up
                // before (the container's last start) is then found without asking us; a name
                // whose container is gone is refused at open. No default_permissions: the
                // kernel would ask for the attributes of every directory on the way (the files
                // are read-only for all, and the mount is ro).
                // direct_io: no page cache, every read(2) reaches us with its own offset.
                fs.mount(mnt, true, debug, new String[] {"-o",
                        "allow_other,direct_io,ro,subtype=corral-meminfo,attr_timeout=0,entry_timeout=3600"});
            } finally {
                fs.umount();
                removePidFile(pidFile, pidLine);
                lock.release();
            }
        }
        return 0;
    }

    private static synchronized void removePidFile(Path pidFile, String pidLine) {
        try {
            if (Files.exists(pidFile) && Files.readString(pidFile, StandardCharsets.US_ASCII).equals(pidLine)) {
                Files.delete(pidFile);
                log("stopped");
            }
        } catch (IOException e) {
            log("cannot remove " + pidFile + ": " + e);
        }
    }
}
