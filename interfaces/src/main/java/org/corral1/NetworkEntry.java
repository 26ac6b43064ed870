package org.corral1;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.Position;

/** One row of {@code Manager.ListNetworks}: {@code (s name, s uuid, b active, o path)}. */
public final class NetworkEntry extends Struct {
    @Position(0)
    private final String name;
    @Position(1)
    private final String uuid;
    @Position(2)
    private final boolean active;
    @Position(3)
    private final DBusPath path;

    public NetworkEntry(String name, String uuid, boolean active, DBusPath path) {
        this.name = name;
        this.uuid = uuid;
        this.active = active;
        this.path = path;
    }

    public String getName() {
        return name;
    }

    public String getUuid() {
        return uuid;
    }

    public boolean isActive() {
        return active;
    }

    public DBusPath getPath() {
        return path;
    }
}
