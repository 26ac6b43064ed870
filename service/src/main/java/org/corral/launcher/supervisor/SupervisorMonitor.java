package org.corral.launcher.supervisor;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.sys.Native;
import org.corral.sys.SyscallException;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * One thread that listens to every supervisor's control connection, so that a thousand idle
 * containers cost one thread and a thousand sockets, not a thousand threads.
 *
 * <p>It waits in epoll(7), not in a {@link java.nio.channels.Selector}: the control sockets are
 * junixsocket channels (they carry fds, which the JDK's Unix channels cannot), and junixsocket's
 * selector polls every registered channel at every wake-up: 11 us per event with one channel,
 * 246 us with 1000 (measured), several times per start. With epoll a wake-up costs the same
 * whatever the number of containers, and a new connection is added from the caller's thread.
 */
public final class SupervisorMonitor implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(SupervisorMonitor.class);
    private static final int MAX_EVENTS = 64;
    private static final int PEER_GONE = Native.EPOLLRDHUP | Native.EPOLLHUP | Native.EPOLLERR;

    private final Map<Integer, SupervisorConnection> byFd = new ConcurrentHashMap<>();
    /**
     * Made at the first watch, not at construction: that binds the native layer (about 90 ms in
     * a fresh JVM), which an activation does only once the name is taken.
     */
    private volatile int epoll = -1;
    /** Wakes the loop up to stop. */
    private volatile int wakeup = -1;
    private Thread thread;
    private volatile boolean running = true;

    public SupervisorMonitor() {
    }

    private synchronized void startOnce() throws IOException {
        if (epoll >= 0) {
            return;
        }
        if (!running) {
            throw new IOException("the supervisor monitor is closed");
        }
        int ep = Native.epollCreate();
        try {
            wakeup = Native.eventfd();
            Native.epollAdd(ep, wakeup, Native.EPOLLIN);
        } catch (SyscallException e) {
            Native.closeQuietly(ep);
            Native.closeQuietly(wakeup);
            wakeup = -1;
            throw e;
        }
        epoll = ep;
        thread = new Thread(this::loop, "corral-supervisor-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts listening on a connected channel; lines go to the listener from now on. */
    public SupervisorConnection watch(AFUNIXSocketChannel channel, SupervisorConnection.Listener listener)
            throws IOException {
        startOnce();
        channel.configureBlocking(false);
        int fd = FileDescriptorCast.using(channel.getFileDescriptor()).as(Integer.class);
        SupervisorConnection c = new SupervisorConnection(channel, listener, () -> forget(fd));
        byFd.put(fd, c);
        try {
            Native.epollAdd(epoll, fd, Native.EPOLLIN | Native.EPOLLRDHUP);
        } catch (SyscallException e) {
            byFd.remove(fd, c);
            throw e;
        }
        return c;
    }

    /** Before a connection's channel closes: its fd number may be reused at once. */
    private void forget(int fd) {
        if (byFd.remove(fd) != null) {
            try {
                Native.epollDelete(epoll, fd);
            } catch (SyscallException e) {
                // already gone from the set
            }
        }
    }

    private void loop() {
        byte[] events = new byte[MAX_EVENTS * Native.EPOLL_EVENT_SIZE];
        while (running) {
            int n;
            try {
                n = Native.epollWait(epoll, events, -1);
            } catch (SyscallException e) {
                if (running) {
                    LOG.error("supervisor monitor: {}", e.getMessage());
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                int fd = Native.epollEventFd(events, i);
                if (fd == wakeup) {
                    Native.drainEventfd(wakeup);
                    continue;
                }
                SupervisorConnection conn = byFd.get(fd);
                if (conn != null) {
                    read(conn, (Native.epollEventFlags(events, i) & PEER_GONE) != 0);
                }
            }
        }
    }

    /**
     * Reads what the peer sent. A non-blocking junixsocket channel reads 0, not -1, at end of
     * stream, so the end is the event's hang-up flag once everything has been read.
     */
    private void read(SupervisorConnection conn, boolean peerGone) {
        boolean open;
        try {
            open = conn.readAvailable(line -> deliver(conn, line)) && !peerGone;
        } catch (IOException e) {
            if (conn.channel.isOpen()) {
                LOG.warn("supervisor connection failed: {}", e.toString(), e);
            }
            open = false;
        }
        if (!open) {
            conn.close();
            closed(conn);
        }
    }

    private static void deliver(SupervisorConnection c, String line) {
        try {
            c.listener.line(line);
        } catch (RuntimeException e) {
            LOG.error("handling supervisor line '{}' failed", line, e);
        }
    }

    private static void closed(SupervisorConnection c) {
        if (c.markClosed()) {
            try {
                c.listener.closed();
            } catch (RuntimeException e) {
                LOG.error("handling a closed supervisor connection failed", e);
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        running = false;
        if (epoll < 0) {
            return;
        }
        Native.signalEventfd(wakeup);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Native.closeQuietly(wakeup);
        Native.closeQuietly(epoll);
    }
}
