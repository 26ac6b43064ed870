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
final class BusCalls {

    private static final Logger LOG = LogManager.getLogger(BusCalls.class);

    @FunctionalInterface
    interface Body<T> {
        T run() throws CorralException;
    }

    @FunctionalInterface
    interface VoidBody {
        void run() throws CorralException;
    }

    private BusCalls() {
    }

    static <T> T handle(String method, Body<T> body) {
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
            case ALREADY_EXISTS -> new Error.AlreadyExists(m);
            case ACCESS_DENIED -> new org.freedesktop.DBus.Error.AccessDenied(m);
            case ALREADY_RUNNING -> new Error.AlreadyRunning(m);
            case NOT_RUNNING -> new Error.NotRunning(m);
            case BUSY -> new Error.Busy(m);
            case FAILED -> new Error.Failed(m);
        };
    }
}
