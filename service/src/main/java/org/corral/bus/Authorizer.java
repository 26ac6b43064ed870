package org.corral.bus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.bus.polkit.Authority;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.freedesktop.dbus.connections.AbstractConnection;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBus;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/**
 * Decides whether the caller of a method may go on. Root, or a caller holding CAP_SYS_ADMIN,
 * may (as with machined). Everyone else is asked about through polkit, with the caller's bus
 * name as subject and details container, uuid-free verb, so that admins can write rules such as
 * "group dev may start containers named web-*". When polkit cannot answer, the answer is no.
 */
final class Authorizer {

    private static final Logger LOG = LogManager.getLogger(Authorizer.class);

    /** polkit action ids, as in polkit/org.corral1.policy. */
    static final String MANAGE = "org.corral1.manage-containers";
    static final String CONSOLE = "org.corral1.open-console";
    static final String ENTER = "org.corral1.enter-container";
    static final String READ = "org.corral1.read-config";

    /** D-Bus message flag: the caller is ready to wait for interactive authentication. */
    private static final int ALLOW_INTERACTIVE_AUTHORIZATION = 0x4;
    private static final int CAP_SYS_ADMIN = 21;

    private final DBusConnection connection;
    private final DBus bus;

    Authorizer(DBusConnection connection) throws DBusException {
        this.connection = connection;
        this.bus = connection.getRemoteObject("org.freedesktop.DBus", "/org/freedesktop/DBus", DBus.class);
    }

    /**
     * @param action    the polkit action id
     * @param verb      what the caller wants, as rules see it (define, start, console, ...)
     * @param container the container's name
     */
    void authorize(String action, String verb, String container) throws CorralException {
        authorize(action, verb, "container", container);
    }

    /**
     * The same for another kind of object: {@code kind} ("container", "network") is the polkit
     * detail that carries {@code subject}'s name, and the word used in messages.
     */
    void authorize(String action, String verb, String kind, String subject) throws CorralException {
        String container = subject;
        var info = AbstractConnection.getCallInfo();
        String caller = info == null ? null : info.getSource();
        if (caller == null) {
            throw new CorralException(Kind.ACCESS_DENIED, "cannot tell who is calling, so '" + verb + "' is refused");
        }
        if (isPrivileged(caller)) {
            return;
        }
        boolean interactive = (info.getFlags() & ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
        Authority.Result result;
        try {
            Authority polkit = connection.getRemoteObject(Authority.BUS_NAME, Authority.OBJECT_PATH, Authority.class);
            Map<String, String> details = new LinkedHashMap<>();
            details.put(kind, container);
            details.put("verb", verb);
            result = polkit.CheckAuthorization(
                    new Authority.Subject("system-bus-name", Map.of("name", new Variant<>(caller))), action, details,
                    new UInt32(interactive ? Authority.ALLOW_USER_INTERACTION : 0), "");
        } catch (DBusException | RuntimeException e) {
            // No polkit, or it failed: fail closed.
            LOG.warn("polkit could not decide {} for {} ({}): {}", action, caller, verb, e.getMessage());
            throw new CorralException(Kind.ACCESS_DENIED, "'" + verb + "' on " + kind + " '" + container
                    + "' needs authorization (" + action + "), and polkit could not be asked: " + e.getMessage());
        }
        if (result.isAuthorized()) {
            return;
        }
        if (result.isChallenge() && !interactive) {
            throw new CorralException(Kind.INTERACTIVE_AUTH_REQUIRED, "'" + verb + "' on " + kind + " '" + container
                    + "' needs authentication (" + action + "); call again allowing interactive authorization");
        }
        throw new CorralException(Kind.ACCESS_DENIED, "not authorized to " + verb + " " + kind + " '" + container
                + "' (" + action + ")");
    }

    /**
     * Root callers, by unique bus name: a unique name is never reused on a bus, so the answer
     * holds for the connection's life and saves a bus round trip on every call of a busy client.
     */
    private final java.util.Map<String, Boolean> rootCallers = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
                    return size() > 1024;
                }
            });

    private boolean isPrivileged(String caller) throws CorralException {
        if (Boolean.TRUE.equals(rootCallers.get(caller))) {
            return true;
        }
        try {
            if (bus.GetConnectionUnixUser(caller).longValue() == 0) {
                rootCallers.put(caller, true);
                return true;
            }
            int pid = bus.GetConnectionUnixProcessID(caller).intValue();
            return hasCapability(pid, CAP_SYS_ADMIN);
        } catch (RuntimeException e) {
            throw new CorralException(Kind.ACCESS_DENIED, "cannot tell who " + caller + " is: " + e.getMessage());
        }
    }

    /** From CapEff in /proc/PID/status; a process that is gone has none. */
    static boolean hasCapability(int pid, int cap) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("CapEff:")) {
                    long eff = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (eff & (1L << cap)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }
}
