package org.corral.bus;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.core.CorralException;
import org.corral1.Error;
import org.freedesktop.dbus.connections.AbstractConnection;
import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * The single boundary between core code and D-Bus callers: runs a handler body, maps
 * {@link CorralException} kinds to org.corral1.Error.* / org.freedesktop.DBus.Error.* names,
 * and logs. dbus-java would otherwise send any other exception under a Java class name with its
 * raw message.
 */
public final class BusCalls {

    private static final Logger LOG = LogManager.getLogger(BusCalls.class);

    @FunctionalInterface
    interface Body<T> {
        T run() throws CorralException;
    }

    @FunctionalInterface
    interface VoidBody {
        void run() throws CorralException;
    }

    private static final java.util.concurrent.atomic.AtomicInteger IN_FLIGHT = new java.util.concurrent.atomic.AtomicInteger();
    private static volatile long lastCall = System.currentTimeMillis();

    private BusCalls() {
    }

    /** Calls being handled right now (for the idle exit). */
    public static int inFlight() {
        return IN_FLIGHT.get();
    }

    /** When the last call began, in milliseconds since the epoch. */
    public static long lastCallMillis() {
        return lastCall;
    }

    static <T> T handle(String method, Body<T> body) {
        IN_FLIGHT.incrementAndGet();
        lastCall = System.currentTimeMillis();
        try {
            return body.run();
        } catch (CorralException e) {
            LOG.info("{} from {} failed: {}", method, caller(), e.getMessage());
            throw toBusError(e);
        } catch (DBusExecutionException e) {
            throw e; // already carries a proper error name
        } catch (RuntimeException e) {
            LOG.error("{} from {} failed with an internal error", method, caller(), e);
            throw new Error.Failed("internal error in " + method + "; the service log has the details");
        } finally {
            lastCall = System.currentTimeMillis();
            IN_FLIGHT.decrementAndGet();
        }
    }

    static void handle(String method, VoidBody body) {
        handle(method, () -> {
            body.run();
            return null;
        });
    }

    /** The unique bus name of the caller of the current method call. */
    static String caller() {
        var info = AbstractConnection.getCallInfo();
        return info == null ? "?" : info.getSource();
    }

    static DBusExecutionException toBusError(CorralException e) {
        String m = e.getMessage();
        return switch (e.kind()) {
            case INVALID_CONFIG -> new Error.InvalidConfig(m);
            case INVALID_ARGS -> new org.freedesktop.DBus.Error.InvalidArgs(m);
            case NO_SUCH_CONTAINER -> new Error.NoSuchContainer(m);
            case NO_SUCH_NETWORK -> new Error.NoSuchNetwork(m);
            case ALREADY_EXISTS -> new Error.AlreadyExists(m);
            case ACCESS_DENIED -> new org.freedesktop.DBus.Error.AccessDenied(m);
            case INTERACTIVE_AUTH_REQUIRED -> new org.freedesktop.DBus.Error.InteractiveAuthorizationRequired(m);
            case ALREADY_RUNNING -> new Error.AlreadyRunning(m);
            case NOT_RUNNING -> new Error.NotRunning(m);
            case BUSY -> new Error.Busy(m);
            case FAILED -> new Error.Failed(m);
        };
    }
}
