package org.corral.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.freedesktop.dbus.types.Variant;

/** Figures of Container.GetStats: ordering, unwrapping and human-readable units. */
final class Units {
    /** The contract's order; other names follow sorted. */
    static final List<String> ORDER = List.of("cpu.time", "memory.current", "memory.limit", "memory.peak",
            "block.read.bytes", "block.write.bytes", "block.read.ops", "block.write.ops",
            "net.rx.bytes", "net.tx.bytes", "net.rx.packets", "net.tx.packets", "processes");

    /** A limit at or above this is "no limit" (cgroup v2 "max", v1's page-rounded LONG_MAX). */
    static final double UNLIMITED = 0x1p62;

    private Units() {
    }

    static List<String> orderedNames(Map<String, Variant<?>> stats) {
        List<String> names = new ArrayList<>();
        for (String n : ORDER) {
            if (stats.containsKey(n)) {
                names.add(n);
            }
        }
        stats.keySet().stream().filter(n -> !ORDER.contains(n)).sorted().forEach(names::add);
        return names;
    }

    /** The raw value as text: numbers in decimal, anything else as dbus-java prints it. */
    static String raw(Variant<?> v) {
        return v == null ? "-" : String.valueOf(v.getValue());
    }

    /** The numeric value, or NaN when there is none. */
    static double number(Map<String, Variant<?>> stats, String name) {
        Variant<?> v = stats.get(name);
        if (v != null && v.getValue() instanceof Number n) {
            return Double.parseDouble(n.toString());
        }
        return Double.NaN;
    }

    /** A figure for people: bytes in IEC units, cpu.time in seconds, counts as they are. */
    static String human(String name, Variant<?> v) {
        if (v == null || !(v.getValue() instanceof Number n)) {
            return raw(v);
        }
        double d = Double.parseDouble(n.toString());
        if (name.equals("cpu.time")) {
            return String.format(Locale.ROOT, "%.3fs", d / 1e9);
        }
        if (name.endsWith(".bytes") || name.startsWith("memory.")) {
            if (name.equals("memory.limit") && d >= UNLIMITED) {
                return "unlimited";
            }
            return bytes(d, " ", "B");
        }
        return n.toString();
    }

    /** 1536 -> "1.5 KiB" (sep " ", suffix "B"), or "1.5K" for tables (sep "", suffix ""). */
    static String bytes(double d, String sep, String suffix) {
        if (Double.isNaN(d)) {
            return "-";
        }
        String[] units = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        int u = 0;
        while (d >= 1024 && u < units.length - 1) {
            d /= 1024;
            u++;
        }
        String unit = suffix.isEmpty() ? units[u].replace("i", "") : units[u] + suffix;
        if (u == 0) {
            return String.format(Locale.ROOT, "%.0f%s%s", d, sep, suffix.isEmpty() ? "" : suffix);
        }
        return String.format(Locale.ROOT, d < 10 ? "%.1f%s%s" : "%.0f%s%s", d, sep, unit);
    }
}
