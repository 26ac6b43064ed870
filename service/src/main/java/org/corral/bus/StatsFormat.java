package org.corral.bus;

import java.util.LinkedHashMap;
import java.util.Map;

import org.corral.core.CorralException;
import org.corral.core.Lifecycle;
import org.corral.launcher.StatsReader;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

/** Container figures as a{sv}: counters and bytes as t, the process count as u. */
final class StatsFormat {

    private final Lifecycle lifecycle;
    private final StatsReader reader;

    StatsFormat(Lifecycle lifecycle, StatsReader reader) {
        this.lifecycle = lifecycle;
        this.reader = reader;
    }

    Map<String, Variant<?>> of(String name) throws CorralException {
        Map<String, Variant<?>> out = new LinkedHashMap<>();
        lifecycle.stats(name, reader).forEach((k, v) -> out.put(k,
                v instanceof Integer i ? new Variant<>(new UInt32(i)) : new Variant<>(new UInt64(v.longValue()))));
        return out;
    }
}
