package org.corral.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Raw mode for the terminal on stdin, through /bin/stty (which works on its stdin, here
 * inherited). The settings found before are put back by {@link #restore()}, which is safe to
 * call more than once and also runs from a shutdown hook (SIGTERM, SIGINT, SIGHUP).
 */
final class Terminal {
    private static final String STTY = "/bin/stty";

    private final String saved;
    private final Thread hook;
    private boolean restored;

    private Terminal(String saved) {
        this.saved = saved;
        this.hook = new Thread(this::restore, "corralctl-tty-restore");
    }

    /** Puts stdin's terminal in raw mode without echo; null when stdin is not a terminal. */
    static Terminal rawIfTty() {
        Result r = stty(List.of("-g"));
        if (r == null || r.status != 0 || r.output.isBlank()) {
            return null;
        }
        Terminal t = new Terminal(r.output.trim());
        Runtime.getRuntime().addShutdownHook(t.hook);
        Result raw = stty(List.of("raw", "-echo"));
        if (raw == null || raw.status != 0) {
            t.restore();
            return null;
        }
        return t;
    }

    synchronized void restore() {
        if (restored) {
            return;
        }
        restored = true;
        stty(List.of(saved));
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook found us restored
            }
        }
    }

    private record Result(int status, String output) {
    }

    private static Result stty(List<String> args) {
        try {
            ProcessBuilder pb = new ProcessBuilder(STTY);
            pb.command().addAll(args);
            pb.redirectInput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
