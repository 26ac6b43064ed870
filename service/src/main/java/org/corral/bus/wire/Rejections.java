package org.corral.bus.wire;

import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.interfaces.DBusInterface;

/** Where {@link RejectedCall}s go: an internal object that refuses them with a named error. */
@DBusInterfaceName(Rejections.INTERFACE)
public interface Rejections extends DBusInterface {

    String PATH = "/org/corral1/internal/rejected";
    String INTERFACE = "org.corral1.internal.Rejections";

    void Reject(String reason);

    /** The exported implementation. */
    final class Handler implements Rejections {
        @Override
        public void Reject(String reason) {
            throw new org.freedesktop.DBus.Error.InvalidArgs(reason);
        }

        @Override
        public String getObjectPath() {
            return PATH;
        }
    }
}
