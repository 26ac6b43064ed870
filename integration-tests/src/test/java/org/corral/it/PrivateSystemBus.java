package org.corral.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.corral.testbus.PrivateBusFiles;

/**
 * A private dbus-daemon of type system, configured like the host's system bus
 * (derived from /usr/share/dbus-1/system.conf) plus the project's bus policy from the install
 * tree, on a socket in a temporary work directory. Optionally it can bus-activate the installed
 * corrald. See shared notes test-environments.md section 2.
 *
 * <p>Work directory layout: system.conf, system_bus_socket, system.d/org.corral1.conf,
 * system-services/org.corral1.service (when activatable), containers/ (the service's
 * config dir), run/ (its runtime dir), dbus-daemon.out/.err.
 */
public final class PrivateSystemBus implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path workdir;
    private final Process daemon;
    private final String address;
    /** The process holding the private mount namespace (tmpfs /run), or null for a host bus. */
    private final Process holder;
    /** Daemons started in the namespace (polkitd, machined), stopped by PID at close. */
    private final List<Process> spawned = new java.util.concurrent.CopyOnWriteArrayList<>();

    private PrivateSystemBus(Path workdir, Process daemon, Process holder) {
        this.workdir = workdir;
        this.daemon = daemon;
        this.holder = holder;
        this.address = "unix:path=" + socket(workdir);
    }

    /** A bus that bus-activates the installed corrald on the first call to org.corral1. */
    public static PrivateSystemBus withActivation(Install install) {
        return start(install, true);
    }

    /** A bus without activation file: the test starts the service itself ({@link CorralService}). */
    public static PrivateSystemBus withoutActivation(Install install) {
        return start(install, false, false);
    }

    /**
     * A bus without activation that lets a message carry up to {@code maxMessageUnixFds} fds
     * (the system bus's limit is 16, enforced by dbus-daemon before a call reaches the service):
     * for the service's own check of the fds it is passed.
     */
    public static PrivateSystemBus withoutActivationAllowingFds(Install install, int maxMessageUnixFds) {
        return start(install, false, false, "<limit name=\"max_message_unix_fds\">" + maxMessageUnixFds + "</limit>\n");
    }

    /**
     * A bus without activation in a private mount namespace with a tmpfs on /run (notes section
     * 2): it also listens on /run/dbus/system_bus_socket there, so tools run inside need no
     * address; polkitd, machined and corrald are started inside with {@link #namespacePrefix}.
     * The namespace is held by a sleeping process, killed by PID at close; the host's /run is
     * never touched.
     */
    public static PrivateSystemBus inMountNamespace(Install install) {
        return start(install, false, true);
    }

    private static PrivateSystemBus start(Install install, boolean activation) {
        return start(install, activation, false);
    }

    private static PrivateSystemBus start(Install install, boolean activation, boolean namespaced) {
        return start(install, activation, namespaced, "");
    }

    private static PrivateSystemBus start(Install install, boolean activation, boolean namespaced, String extraConfig) {
        Path workdir = null;
        Process holder = null;
        try {
            workdir = Files.createTempDirectory("corral-bus");
            // Others (the nobody caller) must reach the socket.
            Files.setPosixFilePermissions(workdir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(workdir.resolve("system.d"));
            Files.createDirectories(workdir.resolve("system-services"));
            Files.createDirectories(workdir.resolve("containers"));
            Files.createDirectories(workdir.resolve("run"));
            Files.copy(install.busPolicy(), workdir.resolve("system.d/org.corral1.conf"));
            if (activation) {
                Files.writeString(workdir.resolve("system-services/org.corral1.service"),
                        PrivateBusFiles.activationFile(Files.readString(install.activationFile()), install.corrald(),
                                workdir.resolve("containers"), workdir.resolve("run")));
            }
            Path conf = workdir.resolve("system.conf");
            String config = PrivateBusFiles.busConfig(Files.readString(PrivateBusFiles.HOST_SYSTEM_CONF), workdir);
            List<String> command = new ArrayList<>();
            if (namespaced) {
                config = config.replace("</busconfig>", "<listen>unix:path=/run/dbus/system_bus_socket</listen>\n</busconfig>");
                holder = startHolder(workdir);
                command.addAll(prefixFor(holder.pid()));
            }
            config = config.replace("</busconfig>", extraConfig + "</busconfig>");
            Files.writeString(conf, config);

            command.addAll(List.of("dbus-daemon", "--config-file=" + conf, "--nofork",
                    "--nopidfile", "--nosyslog", "--print-address"));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(workdir.resolve("dbus-daemon.out").toFile())
                    .redirectError(workdir.resolve("dbus-daemon.err").toFile());
            pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + socket(workdir));
            pb.environment().putAll(Install.daemonEnvironment());
            PrivateSystemBus bus = new PrivateSystemBus(workdir, pb.start(), holder);
            bus.awaitReady();
            return bus;
        } catch (IOException e) {
            stopHolder(holder);
            Processes.deleteTree(workdir);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            stopHolder(holder);
            Processes.deleteTree(workdir);
            throw e;
        }
    }

    /** unshare -m with a tmpfs /run (and /run/dbus, /run/systemd/machines), then sleeps. */
    private static Process startHolder(Path workdir) throws IOException {
        Path ready = workdir.resolve("namespace-ready");
        Process p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
                "set -e; mount -t tmpfs -o mode=755 tmpfs /run; mkdir -p /run/dbus /run/systemd/machines; : > \"$0\";"
                        + " exec sleep 2147483647", ready.toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(workdir.resolve("namespace.out").toFile())
                .redirectError(workdir.resolve("namespace.err").toFile())
                .start();
        if (!Poll.until(START_TIMEOUT, () -> !p.isAlive() || Files.exists(ready)) || !p.isAlive()) {
            stopHolder(p);
            throw new IllegalStateException("the mount namespace did not come up: "
                    + Processes.readIfExists(workdir.resolve("namespace.err")));
        }
        return p;
    }

    private static void stopHolder(Process holder) {
        if (holder != null) {
            Processes.kill(holder.pid());
        }
    }

    private static List<String> prefixFor(long holderPid) {
        return List.of("nsenter", "-m", "-t", Long.toString(holderPid), "--");
    }

    /** nsenter into the bus's mount namespace (prepend to a command), or nothing for a host bus. */
    public List<String> namespacePrefix() {
        return holder == null ? List.of() : prefixFor(holder.pid());
    }

    public boolean isNamespaced() {
        return holder != null;
    }

    /** Runs a command in the bus's mount namespace with DBUS_SYSTEM_BUS_ADDRESS set, and waits. */
    public Cli.Result runInNamespace(List<String> command, Duration timeout) {
        List<String> cmd = new ArrayList<>(namespacePrefix());
        cmd.addAll(command);
        return Cli.exec(cmd, java.util.Map.of("DBUS_SYSTEM_BUS_ADDRESS", address), timeout);
    }

    /**
     * Starts a daemon in the bus's mount namespace, output in {@code <workdir>/<logName>.out/.err};
     * stopped by PID at close (or earlier with {@link #stopSpawned}).
     */
    public Process spawnInNamespace(String logName, List<String> command) {
        List<String> cmd = new ArrayList<>(namespacePrefix());
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workdir.resolve(logName + ".out").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(workdir.resolve(logName + ".err").toFile()));
        pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", address);
        try {
            Process p = pb.start();
            spawned.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** SIGTERM (then SIGKILL) to a process from {@link #spawnInNamespace}, by PID. */
    public void stopSpawned(Process p) {
        Processes.terminate(p.pid(), Duration.ofSeconds(5));
        spawned.remove(p);
    }

    private void awaitReady() {
        Path out = workdir.resolve("dbus-daemon.out");
        boolean ready = Poll.until(START_TIMEOUT,
                () -> !daemon.isAlive() || (Files.exists(socket(workdir)) && Processes.readIfExists(out).contains("\n")));
        if (!ready || !daemon.isAlive()) {
            String err = Processes.readIfExists(workdir.resolve("dbus-daemon.err"));
            close();
            throw new IllegalStateException("dbus-daemon did not come up (" + (ready ? "exited" : "timeout")
                    + "): " + err);
        }
    }

    private static Path socket(Path workdir) {
        return PrivateBusFiles.socket(workdir);
    }

    public String address() {
        return address;
    }

    public Path workdir() {
        return workdir;
    }

    /** The config dir handed to the service (by the activation file and by {@link CorralService}). */
    public Path configDir() {
        return workdir.resolve("containers");
    }

    public Path runtimeDir() {
        return workdir.resolve("run");
    }

    public long pid() {
        return daemon.pid();
    }

    /** Clients on this bus. */
    public Cli cli() {
        return new Cli(address);
    }

    public String daemonLog() {
        return Processes.readIfExists(workdir.resolve("dbus-daemon.err"));
    }

    /**
     * PIDs of the processes the bus activated: dbus-daemon's descendants (its activation helper
     * and a service still starting), plus every process started with DBUS_STARTER_ADDRESS naming
     * this bus. The second is needed because dbus-daemon 1.14 lets go of a service once it owns
     * its name: the helper exits and the service is re-parented to PID 1, so it is no longer a
     * child of dbus-daemon.
     */
    public List<Long> activatedPids() {
        java.util.LinkedHashSet<Long> pids = new java.util.LinkedHashSet<>(Processes.descendantsOf(daemon.pid()));
        long self = ProcessHandle.current().pid();
        for (long pid : Processes.withEnvironment("DBUS_STARTER_ADDRESS", "unix:path=" + socket(workdir))) {
            if (pid != self && pid != daemon.pid()) {
                pids.add(pid);
            }
        }
        return new ArrayList<>(pids);
    }

    /** Stops what the bus activated (deepest first), then dbus-daemon, by PID; deletes the work dir. */
    @Override
    public void close() {
        try {
            List<Long> activated = new ArrayList<>(activatedPids());
            java.util.Collections.reverse(activated);
            for (long pid : activated) {
                Processes.terminate(pid, Duration.ofSeconds(10));
            }
            for (Process p : spawned) {
                Processes.terminate(p.pid(), Duration.ofSeconds(5));
            }
            Processes.terminate(daemon.pid(), Duration.ofSeconds(5));
        } finally {
            stopMeminfoServer(runtimeDir());
            stopHolder(holder);
            Processes.deleteTree(workdir);
        }
    }

    /**
     * The host-wide /proc/meminfo server outlives corrald on purpose; a test's runtime dir has
     * its own, which goes with the test: killed by the PID it recorded, its mount detached.
     */
    static void stopMeminfoServer(Path runtimeDir) {
        Path pidFile = runtimeDir.resolve("meminfo.pid");
        String text = Processes.readIfExists(pidFile);
        if (text != null && !text.isBlank()) {
            long pid = Long.parseLong(text.trim().split("\\s+")[0]);
            if (Processes.isAlive(pid)) {
                Processes.kill(pid);
            }
        }
        Path mount = runtimeDir.resolve("meminfo");
        if (java.nio.file.Files.exists(mount) || text != null) {
            try {
                new ProcessBuilder("umount", "-l", mount.toString()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.io.IOException e) {
                // nothing mounted
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
