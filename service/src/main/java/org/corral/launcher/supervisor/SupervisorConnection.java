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
    private final java.util.ArrayDeque<Integer> receivedFds = new java.util.ArrayDeque<>();
    private boolean closed;

    SupervisorConnection(AFUNIXSocketChannel channel, Listener listener) {
        this.channel = channel;
        this.listener = listener;
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

    /** The oldest fd received and not yet taken, or -1; call it from the listener. */
    public int takeReceivedFd() {
        Integer fd = receivedFds.poll();
        return fd == null ? -1 : fd;
    }

    public void close() {
        for (Integer fd : receivedFds) {
            org.corral.sys.Native.closeQuietly(fd);
        }
        receivedFds.clear();
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
            // An fd (a console relay end) travels with the bytes of the line that announces it.
            java.io.FileDescriptor[] fds = channel.getReceivedFileDescriptors();
            if (fds != null) {
                for (java.io.FileDescriptor fd : fds) {
                    receivedFds.add(org.newsclub.net.unix.FileDescriptorCast.using(fd).as(Integer.class));
                }
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
