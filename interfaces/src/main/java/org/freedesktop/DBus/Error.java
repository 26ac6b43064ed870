package org.freedesktop.DBus;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * The standard org.freedesktop.DBus.Error.* names corral sends. dbus-java names an error after
 * the exception's class, and its own classes live in org.freedesktop.dbus.errors, which would go
 * out under that non-standard name; these classes make the names right.
 */
public final class Error {

    private Error() {
    }

    public static class InvalidArgs extends DBusExecutionException {
        public InvalidArgs(String message) {
            super(message);
        }
    }

    public static class AccessDenied extends DBusExecutionException {
        public AccessDenied(String message) {
            super(message);
        }
    }

    public static class InteractiveAuthorizationRequired extends DBusExecutionException {
        public InteractiveAuthorizationRequired(String message) {
            super(message);
        }
    }

    public static class UnknownProperty extends DBusExecutionException {
        public UnknownProperty(String message) {
            super(message);
        }
    }

    public static class UnknownInterface extends DBusExecutionException {
        public UnknownInterface(String message) {
            super(message);
        }
    }

    public static class PropertyReadOnly extends DBusExecutionException {
        public PropertyReadOnly(String message) {
            super(message);
        }
    }
}
