package org.corral.launcher.supervisor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * One control connection to a corral-supervisor: '\n'-terminated text lines both ways (the
 * protocol is in service/src/main/c/README.md). Lines arrive on the monitor thread and go to the
 * listener in order; {@link #closed} is called once when the supervisor goes away.
 */
public final class SupervisorConnection {

    /** What the owner of a connection hears. Called on the monitor thread: return quickly. */
    public interface Listener {
        void line(String line);

        void closed();
    }

    private static final int MAX_LINE = 64 * 1024;

    final AFUNIXSocketChannel channel;
    final Listener listener;
    private final ByteBuffer in = ByteBuffer.allocate(4096);
    private final StringBuilder partial = new StringBuilder();
    /** The monitor's clean-up before the channel closes (its fd number may be reused at once). */
    private final Runnable beforeClose;
    private boolean closed;

    SupervisorConnection(AFUNIXSocketChannel channel, Listener listener, Runnable beforeClose) {
        this.channel = channel;
        this.listener = listener;
        this.beforeClose = beforeClose;
    }

    /** Sends one command line; the supervisor's answer arrives through the listener. */
    public synchronized void send(String line) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        // The channel is non-blocking; command lines are tiny, so this loop ends at once.
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Sends a command line with an fd attached (SCM_RIGHTS): the supervisor gets its own copy,
     * the caller keeps and closes ours. fds only ever go this way: the service never receives
     * one from a supervisor (junixsocket closes received fds by number when its channel closes,
     * which is a hazard once the number has been reused).
     */
    public synchronized void send(String line, int fd) throws IOException {
        channel.setOutboundFileDescriptors(org.newsclub.net.unix.FileDescriptorCast.unsafeUsing(fd).getFileDescriptor());
        try {
            send(line);
        } finally {
            channel.setOutboundFileDescriptors((java.io.FileDescriptor[]) null);
        }
    }

    /**
     * Closes the way to the supervisor and keeps the way back: a supervisor waiting for `go`
     * reads end of file, ends init, and says so before it goes.
     */
    public void shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            // already gone: nothing waits for us
        }
    }

    public void close() {
        beforeClose.run();
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do with a broken connection
        }
    }

    /** Reads what is there; returns false once the peer has closed. */
    boolean readAvailable(Consumer<String> lines) throws IOException {
        while (true) {
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            String chunk = new String(in.array(), 0, n, StandardCharsets.UTF_8);
            for (int i = 0; i < chunk.length(); i++) {
                char c = chunk.charAt(i);
                if (c == '\n') {
                    lines.accept(partial.toString());
                    partial.setLength(0);
                } else if (partial.length() < MAX_LINE) {
                    partial.append(c);
                }
            }
        }
    }

    synchronized boolean markClosed() {
        boolean first = !closed;
        closed = true;
        return first;
    }
}
