package org.corral.cli;

/**
 * A failed D-Bus call (or connection), with the error's D-Bus name when it has one. Thrown by
 * {@link Bus}'s proxies instead of dbus-java's exceptions, which lose the name of any error
 * without a matching Java class.
 */
final class BusError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The D-Bus error name, e.g. org.corral1.Error.NoSuchContainer; null when there is none. */
    private final String name;

    BusError(String name, String message) {
        super(message);
        this.name = name;
    }

    BusError(String name, String message, Throwable cause) {
        super(message, cause);
        this.name = name;
    }

    String name() {
        return name;
    }
}
