package org.corral.bus;

import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.interfaces.DBus;

/**
 * Decides whether the caller of a mutating method may go on. Root callers always may, as with
 * machined. Everyone else is refused until polkit is wired in here: failing closed is the only
 * safe default for a service that will start containers as root.
 */
final class Authorizer {

    /** polkit action ids, also listed in polkit/org.corral1.policy. */
    static final String MANAGE = "org.corral1.manage-containers";

    private final DBus bus;

    Authorizer(DBusConnection connection) throws org.freedesktop.dbus.exceptions.DBusException {
        this.bus = connection.getRemoteObject("org.freedesktop.DBus", "/org/freedesktop/DBus", DBus.class);
    }

    /**
     * @param verb      what the caller wants, as polkit rules will see it (define, undefine, ...)
     * @param container the container's name
     */
    void authorize(String action, String verb, String container) throws CorralException {
        String caller = BusCalls.caller();
        long uid;
        try {
            uid = bus.GetConnectionUnixUser(caller).longValue();
        } catch (RuntimeException e) {
            throw new CorralException(Kind.ACCESS_DENIED,
                    "cannot tell who " + caller + " is, so '" + verb + "' is refused: " + e.getMessage());
        }
        if (uid != 0) {
            throw new CorralException(Kind.ACCESS_DENIED, "uid " + uid + " may not " + verb + " container '"
                    + container + "': only root may change containers (" + action + ")");
        }
    }
}
