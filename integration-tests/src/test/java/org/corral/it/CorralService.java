package org.corral.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The installed corrald, started directly as a child of the test JVM on a {@link PrivateSystemBus}
 * (DBUS_SYSTEM_BUS_ADDRESS set, --config-dir and --runtime-dir in the bus's work dir), with
 * stdout and stderr captured to files there.
 */
public final class CorralService implements AutoCloseable {
    /** How long the JVM may take to own org.corral1. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger STARTS = new AtomicInteger();

    private final Process process;
    private final Cli cli;
    private final Path stdout;
    private final Path stderr;

    private CorralService(Process process, Cli cli, Path stdout, Path stderr) {
        this.process = process;
        this.cli = cli;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts corrald with the bus's config and runtime dirs and waits until it owns org.corral1. */
    public static CorralService start(Install install, PrivateSystemBus bus) {
        return start(install, bus, bus.configDir(), bus.runtimeDir());
    }

    public static CorralService start(Install install, PrivateSystemBus bus, Path configDir, Path runtimeDir) {
        return start(install, bus, configDir, runtimeDir, false);
    }

    /**
     * Starts corrald in a network namespace (and mount namespace, for a sysfs of that network
     * namespace) of its own: bridges, veths and nftables rules it makes never touch the host's.
     */
    public static CorralService startInNetworkNamespace(Install install, PrivateSystemBus bus) {
        return start(install, bus, bus.configDir(), bus.runtimeDir(), true);
    }

    /** Starts corrald with extra arguments (e.g. --idle-timeout 2). */
    public static CorralService startWithArgs(Install install, PrivateSystemBus bus, String... extra) {
        return start(install, bus, bus.configDir(), bus.runtimeDir(), false, extra);
    }

    private static CorralService start(Install install, PrivateSystemBus bus, Path configDir, Path runtimeDir,
            boolean ownNetwork, String... extra) {
        int n = STARTS.incrementAndGet();
        Path out = bus.workdir().resolve("corrald-" + n + ".stdout");
        Path err = bus.workdir().resolve("corrald-" + n + ".stderr");
        // In the bus's private mount namespace when it has one (polkitd and machined run there).
        java.util.List<String> command = new java.util.ArrayList<>(bus.namespacePrefix());
        if (ownNetwork) {
            // sysfs shows the network namespace of whoever mounts it; the cgroup mounts below it
            // are kept by moving them over the new sysfs.
            Path keep = bus.workdir().resolve("cgroup-keep");
            command.addAll(java.util.List.of("unshare", "--net", "--mount", "--propagation", "private", "sh", "-c",
                    "set -e; ip link set lo up; mkdir -p " + keep + "; mount --rbind /sys/fs/cgroup " + keep
                            + "; mount -t sysfs sysfs /sys; mount --move " + keep + " /sys/fs/cgroup; exec \"$0\" \"$@\""));
        }
        command.addAll(java.util.List.of(install.corrald().toString(),
                "--config-dir", configDir.toString(), "--runtime-dir", runtimeDir.toString(),
                "--network-dir", bus.workdir().resolve("networks").toString()));
        command.addAll(java.util.List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
        pb.environment().putAll(Install.daemonEnvironment());
        pb.environment().remove("DBUS_SESSION_BUS_ADDRESS");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + install.corrald(), e);
        }
        CorralService service = new CorralService(p, bus.cli(), out, err);
        service.awaitName();
        return service;
    }

    private void awaitName() {
        boolean owned = Poll.until(START_TIMEOUT, () -> !process.isAlive() || ownsName());
        if (owned && process.isAlive()) {
            return;
        }
        String why = process.isAlive() ? "did not own org.corral1 within " + START_TIMEOUT.toSeconds() + " s"
                : "exited with status " + process.exitValue() + " before owning org.corral1";
        kill();
        throw new AssertionError("corrald " + why + "\n--- stderr ---\n" + stderr() + "\n--- stdout ---\n" + stdout());
    }

    /** Whether org.corral1 has an owner on the bus (asks the bus, never activates). */
    public boolean ownsName() {
        Cli.Result r = cli.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "NameHasOwner", "s", Install.BUS_NAME);
        return r.ok() && r.stdout().trim().equals("b true");
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String stderr() {
        return Processes.readIfExists(stderr);
    }

    public String stdout() {
        return Processes.readIfExists(stdout);
    }

    public Path stderrFile() {
        return stderr;
    }

    /** SIGTERM by PID; waits (bounded) and returns the exit code. Fails if it does not exit. */
    public int stop() {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new AssertionError("corrald did not exit within " + STOP_TIMEOUT.toSeconds()
                        + " s of SIGTERM; killed\n--- stderr ---\n" + stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new AssertionError("interrupted while stopping corrald", e);
        }
        return process.exitValue();
    }

    /** SIGKILL by PID, waits until it is gone. */
    public void kill() {
        Processes.kill(process.pid());
    }

    /** Kills the service if it still runs (for @AfterEach/@AfterAll). */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** Names the PID and the log file, for failure messages. */
    @Override
    public String toString() {
        return "corrald pid " + pid() + (Files.exists(stderr) ? " (log " + stderr + ")" : "");
    }
}
