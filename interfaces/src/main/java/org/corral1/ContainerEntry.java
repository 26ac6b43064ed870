package org.corral1;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.Position;

/** One row of {@code Manager.ListContainers}: {@code (s name, s uuid, s state, o path)}. */
public final class ContainerEntry extends Struct {
    @Position(0)
    private final String name;
    @Position(1)
    private final String uuid;
    @Position(2)
    private final String state;
    @Position(3)
    private final DBusPath path;

    public ContainerEntry(String name, String uuid, String state, DBusPath path) {
        this.name = name;
        this.uuid = uuid;
        this.state = state;
        this.path = path;
    }

    public String getName() {
        return name;
    }

    public String getUuid() {
        return uuid;
    }

    public String getState() {
        return state;
    }

    public DBusPath getPath() {
        return path;
    }
}
