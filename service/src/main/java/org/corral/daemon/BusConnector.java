package org.corral.daemon;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import org.freedesktop.dbus.connections.IDisconnectCallback;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;

/**
 * The service's bus connection, made on a thread of its own from the first moment. Bus
 * activation waits for the whole start-up, and the connection (its SASL, junixsocket's JNI
 * library, dbus-java's threads: about a third of it) needs nothing that the main thread loads
 * meanwhile: definitions, networks, the cgroup layout, re-attached containers, and Log4j. The
 * name is requested only once all of that is done (Daemon).
 */
final class BusConnector {

    /** D-Bus handler threads; handlers are short (no handler waits on a container). */
    private static final int METHOD_CALL_THREADS = 4;

    private final CompletableFuture<DBusConnection> connection = new CompletableFuture<>();
    private volatile Consumer<IOException> onLoss = e -> { };

    private BusConnector() {
    }

    static BusConnector start() {
        BusConnector c = new BusConnector();
        Thread t = new Thread(c::connect, "corral-connect");
        t.setDaemon(true);
        t.start();
        return c;
    }

    /**
     * Initialises dbus-java's SASL class on the calling thread. Its static initialiser makes a
     * java.text.Collator (corral's own, {@link ProtocolCollatorProvider}, where the wrapper
     * selects it; the JDK's took 25 ms) and a SecureRandom (the JDK's security providers),
     * which the connecting thread would otherwise do between connect and authentication, on
     * the longest path of bus activation; the main thread calls this while that thread is
     * still setting up the transport.
     */
    static void prepareAuthentication() {
        try {
            Class.forName("org.freedesktop.dbus.connections.SASL", true, BusConnector.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("dbus-java without its SASL class", e);
        }
    }

    /** Who hears that the connection broke (a dbus-java connection is deaf after that). */
    void onLoss(Consumer<IOException> handler) {
        onLoss = handler;
    }

    /** The connection, once made. */
    DBusConnection await() throws DBusException {
        try {
            return connection.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof DBusException d) {
                throw d;
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Not needed after all (start-up failed): closed when it is made. */
    void abandon() {
        connection.thenAccept(DBusConnection::disconnect);
    }

    private void connect() {
        try {
            connection.complete(DBusConnectionBuilder.forSystemBus()
                    .withShared(false)
                    .withDisconnectCallback(new IDisconnectCallback() {
                        @Override
                        public void disconnectOnError(IOException e) {
                            onLoss.accept(e);
                        }
                    })
                    .receivingThreadConfig().withMethodCallThreadCount(METHOD_CALL_THREADS).connectionConfig()
                    .build());
        } catch (DBusException | RuntimeException e) {
            connection.completeExceptionally(e);
        }
    }
}
