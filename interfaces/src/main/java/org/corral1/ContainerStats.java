package org.corral1;

import java.util.Map;

import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.types.Variant;

/** One row of {@code Manager.GetAllStats}: {@code (s name, a{sv} stats)}. */
public final class ContainerStats extends Struct {
    @Position(0)
    private final String name;
    @Position(1)
    private final Map<String, Variant<?>> stats;

    public ContainerStats(String name, Map<String, Variant<?>> stats) {
        this.name = name;
        this.stats = stats;
    }

    public String getName() {
        return name;
    }

    public Map<String, Variant<?>> getStats() {
        return stats;
    }
}
