package org.corral.machined;

import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.messages.Message;
import org.freedesktop.dbus.messages.MethodCall;
import org.freedesktop.dbus.types.Variant;

/**
 * A method call made by hand, so that a failure keeps its D-Bus error name: dbus-java's proxies
 * turn every error it has no class for into a bare DBusExecutionException, and corral must tell
 * UnknownMethod, NoSuchMachine and "no systemd" apart.
 */
final class BusCall {

    /** machined answers CreateMachine only when systemd has started the scope. */
    static final long TIMEOUT_MS = 25_000;

    /** A failed call: the error name (or a local reason) and its message. */
    static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        private final String errorName;

        Failed(String errorName, String message) {
            super(errorName + ": " + message);
            this.errorName = errorName;
        }

        String errorName() {
            return errorName;
        }

        boolean is(String name) {
            return errorName.equals(name);
        }

        /** The message without the name. */
        String text() {
            String m = getMessage();
            return m.substring(errorName.length() + 2);
        }
    }

    private BusCall() {
    }

    /** Calls and returns the reply's arguments; variants are unwrapped. */
    static Object[] call(DBusConnection bus, String destination, String path, String iface, String member,
            String signature, Object... args) throws Failed {
        Message reply;
        try {
            MethodCall mc = bus.getMessageFactory().createMethodCall(destination, path, iface, member, (byte) 0,
                    signature, args);
            bus.sendMessage(mc);
            reply = mc.getReply(TIMEOUT_MS);
        } catch (DBusException | RuntimeException e) {
            throw new Failed("local", "cannot call " + iface + "." + member + ": " + e.getMessage());
        }
        if (reply == null) {
            throw new Failed("org.freedesktop.DBus.Error.NoReply", "no reply to " + iface + "." + member + " within "
                    + TIMEOUT_MS / 1000 + " s");
        }
        Object[] params;
        try {
            params = reply.getParameters();
        } catch (DBusException e) {
            throw new Failed("local", "cannot read the reply to " + iface + "." + member + ": " + e.getMessage());
        }
        if (params == null) {
            params = new Object[0];
        }
        if (reply instanceof org.freedesktop.dbus.messages.Error) {
            StringBuilder text = new StringBuilder();
            for (Object p : params) {
                text.append(p);
            }
            throw new Failed(reply.getName(), text.toString());
        }
        for (int i = 0; i < params.length; i++) {
            if (params[i] instanceof Variant<?> v) {
                params[i] = v.getValue();
            }
        }
        return params;
    }
}
