package org.corral.launcher.supervisor;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.newsclub.net.unix.AFUNIXSelectorProvider;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * One thread that listens to every supervisor's control connection, so that a thousand idle
 * containers cost one thread and a thousand sockets, not a thousand threads.
 */
public final class SupervisorMonitor implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(SupervisorMonitor.class);

    private final Selector selector;
    private final Queue<SupervisorConnection> pending = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    public SupervisorMonitor() throws IOException {
        selector = AFUNIXSelectorProvider.provider().openSelector();
        thread = new Thread(this::loop, "corral-supervisor-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts listening on a connected channel; lines go to the listener from now on. */
    public SupervisorConnection watch(AFUNIXSocketChannel channel, SupervisorConnection.Listener listener)
            throws IOException {
        channel.configureBlocking(false);
        SupervisorConnection c = new SupervisorConnection(channel, listener);
        pending.add(c);
        selector.wakeup();
        return c;
    }

    private void loop() {
        while (running) {
            try {
                selector.select();
                SupervisorConnection c;
                while ((c = pending.poll()) != null) {
                    try {
                        c.channel.register(selector, SelectionKey.OP_READ, c);
                    } catch (IOException e) {
                        closed(c);
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    SupervisorConnection conn = (SupervisorConnection) key.attachment();
                    boolean open;
                    try {
                        open = conn.readAvailable(line -> deliver(conn, line));
                    } catch (IOException e) {
                        LOG.warn("supervisor connection failed: {}", e.toString(), e);
                        open = false;
                    }
                    if (!open) {
                        key.cancel();
                        conn.close();
                        closed(conn);
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.error("supervisor monitor: {}", e.toString(), e);
                }
            }
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
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        selector.close();
    }
}
