package org.corral.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/**
 * Runs the host tools networking needs ({@code ip}, {@code nsenter}, {@code nft}): absolute
 * paths from the system directories (never $PATH), stdin fed and closed, stdout and stderr
 * collected, a timeout that kills a hung tool, and errors that carry the tool's own stderr:
 * "cannot create veth vethab12cd: RTNETLINK answers: File exists".
 */
public class CommandRunner {

    private static final List<String> DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
    /** Every tool finishes in milliseconds; this only bounds a hang. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Duration timeout;

    public CommandRunner() {
        this(DEFAULT_TIMEOUT);
    }

    public CommandRunner(Duration timeout) {
        this.timeout = timeout;
    }

    /** What a command did. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** stderr trimmed, else stdout trimmed, else "exit status N". */
        public String reason() {
            String e = stderr.strip();
            if (!e.isEmpty()) {
                return e.replace('\n', ';');
            }
            String o = stdout.strip();
            return o.isEmpty() ? "exit status " + exitCode : o.replace('\n', ';');
        }
    }

    /** Runs and returns the result whatever the exit code; FAILED when it can't run or times out. */
    public Result run(List<String> argv, String stdin) throws CorralException {
        List<String> cmd = new ArrayList<>(argv);
        cmd.set(0, resolve(argv.get(0)));
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
            pb.environment().put("LC_ALL", "C");
            p = pb.start();
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the tool exited early; its stderr says why
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
                throw new CorralException(Kind.FAILED, String.join(" ", cmd) + " did not finish within "
                        + timeout.toSeconds() + " s and was killed");
            }
            return new Result(p.exitValue(), out.get(2, TimeUnit.SECONDS), err.get(2, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CorralException(Kind.FAILED, "interrupted while running " + cmd.get(0));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new CorralException(Kind.FAILED, "cannot read the output of " + cmd.get(0) + ": " + e, e);
        }
    }

    /** Runs; a non-zero exit becomes FAILED "{what}: {stderr}". Returns stdout. */
    public String check(String what, List<String> argv, String stdin) throws CorralException {
        Result r = run(argv, stdin);
        if (!r.ok()) {
            throw new CorralException(Kind.FAILED, what + ": " + r.reason());
        }
        return r.stdout();
    }

    public String check(String what, String... argv) throws CorralException {
        return check(what, List.of(argv), null);
    }

    /** The tool's absolute path in the system directories. */
    static String resolve(String tool) throws CorralException {
        if (tool.startsWith("/")) {
            return tool;
        }
        for (String d : DIRS) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String pkg = switch (tool) {
            case "ip" -> "iproute2";
            case "nft" -> "nftables";
            case "nsenter" -> "util-linux";
            default -> tool;
        };
        throw new CorralException(Kind.FAILED, tool + " is not installed (package " + pkg + "); it is needed for "
                + "container networking");
    }

    private static CompletableFuture<String> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return new String(s.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
