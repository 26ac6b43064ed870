package org.corral.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command-line clients users drive corral with (busctl, gdbus, /usr/bin/python3 with
 * dbus-python) against one bus, with a timeout, and returns exit code, stdout and stderr.
 */
public final class Cli {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);
    public static final String PYTHON = "/usr/bin/python3";

    /**
     * Python prelude: {@code bus}, {@code mgr} (org.corral1.Manager), {@code props(path)},
     * {@code container(path)}; a D-Bus error is printed as "DBUS-ERROR name: message" on stderr
     * with exit code 3.
     */
    public static final String PY_PRELUDE = """
            import sys, dbus
            bus = dbus.SystemBus()
            def obj(path):
                return bus.get_object('org.corral1', path, introspect=False)
            mgr = dbus.Interface(obj('/org/corral1'), 'org.corral1.Manager')
            def container(path):
                return dbus.Interface(obj(path), 'org.corral1.Container')
            def props(path):
                return dbus.Interface(obj(path), 'org.freedesktop.DBus.Properties')
            def _hook(t, e, tb):
                if isinstance(e, dbus.exceptions.DBusException):
                    sys.stderr.write('DBUS-ERROR %s: %s\\n' % (e.get_dbus_name(), e.get_dbus_message()))
                    sys.exit(3)
                sys.__excepthook__(t, e, tb)
            sys.excepthook = _hook
            """;

    /** What a finished command left. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("command failed: " + describe());
            }
            return this;
        }

        public Result assertFailure() {
            if (exitCode == 0) {
                throw new AssertionError("command succeeded but should have failed: " + describe());
            }
            return this;
        }

        /** stdout and stderr together. */
        public String output() {
            return stdout + stderr;
        }

        public String describe() {
            String shown = String.join(" ", command);
            if (shown.length() > 400) {
                shown = shown.substring(0, 400) + "...";
            }
            return shown + "\n  exit " + exitCode + "\n  stdout: " + clip(stdout) + "\n  stderr: " + clip(stderr);
        }

        private static String clip(String s) {
            return s.length() > 4000 ? s.substring(0, 4000) + "...(" + s.length() + " chars)" : s;
        }
    }

    private final String address;
    private final List<String> userPrefix;

    public Cli(String address) {
        this(address, List.of());
    }

    private Cli(String address, List<String> userPrefix) {
        this.address = address;
        this.userPrefix = userPrefix;
    }

    /**
     * The same clients run behind {@code prefix}, e.g. nsenter into a mount namespace and
     * runuser -u USER --.
     */
    public Cli withPrefix(List<String> prefix) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(userPrefix);
        return new Cli(address, all);
    }

    /** The same clients run as user nobody, group nogroup, no supplementary groups. */
    public Cli asNobody() {
        return new Cli(address, List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
    }

    public String address() {
        return address;
    }

    /** {@code busctl --address=ADDRESS ARGS...}; e.g. busctl("call", "org.corral1", ...). */
    public Result busctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("busctl", "--address=" + address));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, Map.of(), DEFAULT_TIMEOUT);
    }

    /** {@code busctl call org.corral1 PATH IFACE METHOD [SIGNATURE ARGS...]}. */
    public Result busctlCall(String path, String iface, String method, String... signatureAndArgs) {
        List<String> args = new ArrayList<>(List.of("call", Install.BUS_NAME, path, iface, method));
        args.addAll(Arrays.asList(signatureAndArgs));
        return busctl(args.toArray(String[]::new));
    }

    /** {@code gdbus SUBCOMMAND --system ARGS...} with DBUS_SYSTEM_BUS_ADDRESS set to this bus. */
    public Result gdbus(String subcommand, String... args) {
        List<String> cmd = new ArrayList<>(List.of("gdbus", subcommand, "--system"));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, Map.of("DBUS_SYSTEM_BUS_ADDRESS", address), DEFAULT_TIMEOUT);
    }

    /** {@code gdbus call --system --dest org.corral1 --object-path PATH --method IFACE.METHOD ARGS...}. */
    public Result gdbusCall(String path, String ifaceDotMethod, String... args) {
        List<String> all = new ArrayList<>(List.of("--dest", Install.BUS_NAME, "--object-path", path,
                "--method", ifaceDotMethod, "--timeout", "60"));
        all.addAll(Arrays.asList(args));
        return gdbus("call", all.toArray(String[]::new));
    }

    /** Runs {@link #PY_PRELUDE} followed by {@code script} in /usr/bin/python3 on this bus. */
    public Result python(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", PY_PRELUDE + script));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, Map.of("DBUS_SYSTEM_BUS_ADDRESS", address), DEFAULT_TIMEOUT);
    }

    /** Runs {@code command} (with this client's user prefix) and waits at most {@code timeout}. */
    public Result run(List<String> command, Map<String, String> env, Duration timeout) {
        List<String> cmd = new ArrayList<>(userPrefix);
        cmd.addAll(command);
        return exec(cmd, env, timeout);
    }

    /** Runs a command as this JVM's user, without a bus. */
    public static Result exec(List<String> command, Map<String, String> env, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("corral-it-out", ".txt");
            err = Files.createTempFile("corral-it-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    Processes.kill(p.pid());
                    throw new AssertionError("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command)
                            + "\n  stdout: " + Files.readString(out) + "\n  stderr: " + Files.readString(err));
                }
            } catch (InterruptedException e) {
                Processes.kill(p.pid());
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted: " + command, e);
            }
            return new Result(List.copyOf(command), p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** A command left running (e.g. busctl monitor) with stdout and stderr going to files. */
    public static final class Background implements AutoCloseable {
        private final Process process;
        private final Path dir;

        private Background(Process process, Path dir) {
            this.process = process;
            this.dir = dir;
        }

        public long pid() {
            return process.pid();
        }

        public String stdout() {
            return Processes.readIfExists(dir.resolve("stdout"));
        }

        public String stderr() {
            return Processes.readIfExists(dir.resolve("stderr"));
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** Stops it by PID (SIGTERM, then SIGKILL) and removes its files. */
        @Override
        public void close() {
            Processes.terminate(process.pid(), Duration.ofSeconds(5));
            Processes.deleteTree(dir);
        }
    }

    /** Starts {@code command} (with this client's user prefix) and DBUS_SYSTEM_BUS_ADDRESS set; does not wait. */
    public Background spawn(List<String> command) {
        List<String> cmd = new ArrayList<>(userPrefix);
        cmd.addAll(command);
        try {
            Path dir = Files.createTempDirectory("corral-it-bg");
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(dir.resolve("stdout").toFile())
                    .redirectError(dir.resolve("stderr").toFile());
            pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", address);
            pb.environment().put("PYTHONUNBUFFERED", "1");
            return new Background(pb.start(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** busctl with --address prepended, left running. */
    public Background spawnBusctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("busctl", "--address=" + address));
        cmd.addAll(Arrays.asList(args));
        return spawn(cmd);
    }

    /** A Python script (after {@link #PY_PRELUDE}) left running. */
    public Background spawnPython(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", PY_PRELUDE + script));
        cmd.addAll(Arrays.asList(args));
        return spawn(cmd);
    }

    /** Quotes {@code s} as a GVariant text-format string, for gdbus call arguments. */
    public static String gvariantString(String s) {
        StringBuilder b = new StringBuilder("'");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /**
     * Undoes the C-style escapes busctl (cescape) and gdbus (GVariant text) put into strings:
     * \n, \t, \r, \\, \', \", \xHH and \NNN octal. Good enough for "output contains" checks.
     */
    public static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'x' -> {
                    if (i + 2 < s.length()) {
                        b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 2;
                    } else {
                        b.append("\\x");
                    }
                }
                default -> {
                    if (n >= '0' && n <= '7' && i + 2 < s.length()) {
                        b.append((char) Integer.parseInt(s.substring(i, i + 3), 8));
                        i += 2;
                    } else {
                        b.append(n);
                    }
                }
            }
        }
        return b.toString();
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
