package org.corral.bus.polkit;

import java.util.Map;

import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/** The one polkit call corral makes (org.freedesktop.PolicyKit1.Authority, polkit(8)). */
@DBusInterfaceName("org.freedesktop.PolicyKit1.Authority")
public interface Authority extends DBusInterface {

    String BUS_NAME = "org.freedesktop.PolicyKit1";
    String OBJECT_PATH = "/org/freedesktop/PolicyKit1/Authority";
    /** CheckAuthorization flag: polkit may ask the user through an authentication agent. */
    int ALLOW_USER_INTERACTION = 1;

    Result CheckAuthorization(Subject subject, String actionId, Map<String, String> details, UInt32 flags,
            String cancellationId);

    /** (sa{sv}): kind and details; corral always uses ("system-bus-name", {"name": sender}). */
    final class Subject extends Struct {
        @Position(0)
        private final String kind;
        @Position(1)
        private final Map<String, Variant<?>> details;

        public Subject(String kind, Map<String, Variant<?>> details) {
            this.kind = kind;
            this.details = details;
        }

        public String getKind() {
            return kind;
        }

        public Map<String, Variant<?>> getDetails() {
            return details;
        }
    }

    /** (bba{ss}): authorized, challenge (would be authorized after authentication), details. */
    final class Result extends Struct {
        @Position(0)
        private final boolean authorized;
        @Position(1)
        private final boolean challenge;
        @Position(2)
        private final Map<String, String> details;

        public Result(boolean authorized, boolean challenge, Map<String, String> details) {
            this.authorized = authorized;
            this.challenge = challenge;
            this.details = details;
        }

        public boolean isAuthorized() {
            return authorized;
        }

        public boolean isChallenge() {
            return challenge;
        }

        public Map<String, String> getDetails() {
            return details;
        }
    }
}
