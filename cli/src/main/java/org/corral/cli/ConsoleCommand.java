package org.corral.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.freedesktop.dbus.types.UInt32;
import org.newsclub.net.unix.FileDescriptorCast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * virsh console: Container.OpenConsole, then a relay between the terminal and the returned
 * socket. On a terminal: raw mode, Ctrl-] (0x1d) leaves. Without one (a script): stdin goes to
 * the console and the console to stdout until stdin's end, then what the console still says
 * until it has been quiet for --linger seconds.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Connect to a running container's console; Ctrl-] (escape character ^]) leaves.",
            "When stdin is not a terminal, stdin is sent to the console and the console's output printed, "
                + "until stdin ends and the console has been quiet for --linger seconds."})
final class ConsoleCommand extends Verb {
    static final int ESCAPE = 0x1d;

    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Option(names = "--devname", paramLabel = "DEV",
            description = "Which console: console0, console1, ... or tty1, tty2, ... (default: the first).")
    String devname;

    @Option(names = "--force", description = "Take the console over from another client.")
    boolean force;

    @Option(names = "--linger", paramLabel = "SEC", defaultValue = "0.5",
            description = "Without a terminal: after stdin's end, exit once the console has been quiet this long (default ${DEFAULT-VALUE}).")
    double linger;

    /** Console output seen last (System.nanoTime), for --linger. */
    private volatile long lastOutput = System.nanoTime();

    @Override
    int run(Bus bus) throws Exception {
        String path = bus.containerPath(name);
        org.freedesktop.dbus.FileDescriptor handle = bus.container(path)
                .OpenConsole(devname == null ? "" : devname, new UInt32(force ? org.corral1.Container.CONSOLE_FORCE : 0));
        int fd = handle.getIntFileDescriptor();
        // The connection stays open while the relay runs: junixsocket closes the fds it received
        // when the connection goes (Verb closes it when this returns).
        FileDescriptor jfd = FileDescriptorCast.unsafeUsing(fd).getFileDescriptor();
        InputStream fromConsole = new FileInputStream(jfd);
        OutputStream toConsole = new FileOutputStream(jfd);
        {
            err().println("Connected to " + name + " (Escape character is ^])");
            err().flush();
            Terminal terminal = Terminal.rawIfTty();
            try {
                relay(terminal != null, fromConsole, toConsole);
            } finally {
                if (terminal != null) {
                    terminal.restore();
                    err().println();
                }
            }
        }
        return 0;
    }

    private void relay(boolean tty, InputStream fromConsole, OutputStream toConsole) throws InterruptedException {
        CompletableFuture<String> consoleEnded = new CompletableFuture<>();
        CompletableFuture<String> inputEnded = new CompletableFuture<>();
        FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
        FileInputStream stdin = new FileInputStream(FileDescriptor.in);

        daemon("console-output", () -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = fromConsole.read(buf)) >= 0; ) {
                    lastOutput = System.nanoTime();
                    stdout.write(buf, 0, n);
                    stdout.flush();
                }
                consoleEnded.complete("console closed");
            } catch (IOException e) {
                consoleEnded.complete("console: " + e.getMessage());
            }
        });
        daemon("console-input", () -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = stdin.read(buf)) >= 0; ) {
                    int len = n;
                    boolean escape = false;
                    if (tty) {
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == ESCAPE) {
                                len = i;
                                escape = true;
                                break;
                            }
                        }
                    }
                    if (len > 0) {
                        toConsole.write(buf, 0, len);
                        toConsole.flush();
                    }
                    if (escape) {
                        inputEnded.complete("escape");
                        return;
                    }
                }
                inputEnded.complete("end of input");
            } catch (IOException e) {
                inputEnded.complete("input: " + e.getMessage());
            }
        });

        CompletableFuture.anyOf(consoleEnded, inputEnded).join();
        if (tty || consoleEnded.isDone()) {
            return;
        }
        // No terminal and stdin ended: let the console finish answering.
        long quietNanos = (long) (Math.max(0, linger) * 1e9);
        while (!consoleEnded.isDone()) {
            long idle = System.nanoTime() - lastOutput;
            if (idle >= quietNanos) {
                return;
            }
            try {
                consoleEnded.get(Math.max(1, (quietNanos - idle) / 1_000_000), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // check again
            }
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
