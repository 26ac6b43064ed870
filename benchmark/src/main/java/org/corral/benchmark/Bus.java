package org.corral.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.corral.testbus.PrivateBusFiles;

/**
 * A private dbus-daemon of type system: the host's /usr/share/dbus-1/system.conf with its
 * listen/user/fork/pidfile/servicehelper/service dirs/includes replaced by a private socket, the
 * install tree's bus policy and an activation file that runs the installed corrald with
 * --config-dir/--runtime-dir in the scratch dir; its files come from
 * {@link PrivateBusFiles}, as the integration tests' do.
 */
final class Bus {
    final Path dir;
    final Path socket;
    final Path configDir;
    final Path runtimeDir;
    final String address;
    /** corrald's class archive cache, in the scratch dir (see usr/lib/corral/jvm-cds.sh). */
    final Path daemonCache;
    private Process daemon;

    Bus(Path dir) {
        this.dir = dir;
        this.socket = PrivateBusFiles.socket(dir);
        this.configDir = dir.resolve("containers");
        this.runtimeDir = dir.resolve("run");
        this.address = "unix:path=" + socket;
        this.daemonCache = dir.resolve("daemon-cache");
    }

    void start(Path installRoot, Path corrald, String java) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : List.of("system.d", "system-services", "containers", "run")) {
            Files.createDirectories(dir.resolve(d));
        }
        // The runtime directory on a tmpfs, as /run is on every systemd host (corral.service's
        // RuntimeDirectory=corral). This VM has no systemd, and its /run is on the ext4 disk,
        // where every file made or renamed costs 50-150 us: several per start.
        Sys.run(List.of("mount", "-t", "tmpfs", "-o", "mode=755,size=256m", "corral-bench-run", runtimeDir.toString()));
        Files.copy(installRoot.resolve("usr/share/dbus-1/system.d/org.corral1.conf"),
                dir.resolve("system.d/org.corral1.conf"));
        String installed = Files.readString(installRoot.resolve("usr/share/dbus-1/system-services/org.corral1.service"));
        Files.writeString(dir.resolve("system-services/org.corral1.service"),
                PrivateBusFiles.activationFile(installed, corrald, configDir, runtimeDir));
        Path conf = dir.resolve("system.conf");
        Files.writeString(conf, PrivateBusFiles.busConfig(Files.readString(PrivateBusFiles.HOST_SYSTEM_CONF), dir));
        ProcessBuilder pb = new ProcessBuilder("dbus-daemon", "--config-file=" + conf, "--nofork", "--nopidfile",
                "--nosyslog", "--print-address")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(dir.resolve("dbus-daemon.out").toFile())
                .redirectError(dir.resolve("dbus-daemon.err").toFile());
        pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", address);
        pb.environment().put("CORRAL_JAVA", java);
        pb.environment().put("CORRAL_CACHE_DIR", daemonCache.toString());
        pb.environment().remove("DBUS_SESSION_BUS_ADDRESS");
        daemon = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                break;
            }
            if (Files.exists(socket) && Sys.readOr(dir.resolve("dbus-daemon.out"), "").contains("\n")) {
                return;
            }
            sleep(10);
        }
        throw new IllegalStateException("dbus-daemon did not come up: " + Sys.readOr(dir.resolve("dbus-daemon.err"), ""));
    }

    long pid() {
        return daemon == null ? -1 : daemon.pid();
    }

    void stop() {
        if (daemon != null) {
            Sys.terminate(daemon.pid(), Duration.ofSeconds(5));
        }
        if (Sys.mountsBelow(dir).contains(runtimeDir.toString())) {
            Sys.tryRun(List.of("umount", "-l", runtimeDir.toString()));
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
