package org.corral1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * The org.corral1.Error.* names. dbus-java sends an exception's binary class name with '$'
 * turned into '.', so {@code org.corral1.Error$NoSuchContainer} goes out as
 * {@code org.corral1.Error.NoSuchContainer}: these class names are public API.
 * Clients using dbus-java get the same classes back when they have this jar.
 */
public final class Error {

    private Error() {
    }

    public static class InvalidConfig extends DBusExecutionException {
        public InvalidConfig(String message) {
            super(message);
        }
    }

    public static class NoSuchContainer extends DBusExecutionException {
        public NoSuchContainer(String message) {
            super(message);
        }
    }

    public static class NoSuchNetwork extends DBusExecutionException {
        public NoSuchNetwork(String message) {
            super(message);
        }
    }

    public static class AlreadyExists extends DBusExecutionException {
        public AlreadyExists(String message) {
            super(message);
        }
    }

    public static class AlreadyRunning extends DBusExecutionException {
        public AlreadyRunning(String message) {
            super(message);
        }
    }

    public static class NotRunning extends DBusExecutionException {
        public NotRunning(String message) {
            super(message);
        }
    }

    public static class Busy extends DBusExecutionException {
        public Busy(String message) {
            super(message);
        }
    }

    public static class Failed extends DBusExecutionException {
        public Failed(String message) {
            super(message);
        }
    }
}
