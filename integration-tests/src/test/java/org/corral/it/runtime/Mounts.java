package org.corral.it.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Lines of a /proc/PID/mountinfo, parsed. */
public record Mounts(List<Mounts.Entry> entries) {
    /** One mount: root (path inside its filesystem), mount point, per-mount options, type, source, super options. */
    public record Entry(String root, String mountPoint, String options, String type, String source, String superOptions) {
        public boolean readOnly() {
            return options.equals("ro") || options.startsWith("ro,");
        }

        @Override
        public String toString() {
            return mountPoint + " " + type + " (" + root + ") " + options + " " + superOptions;
        }
    }

    public static Mounts parse(String mountinfo) {
        List<Entry> list = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] halves = line.split(" - ", 2);
            String[] f = halves[0].split(" ");
            String[] g = halves[1].split(" ");
            list.add(new Entry(unescape(f[3]), unescape(f[4]), f[5], g[0], g.length > 1 ? g[1] : "", g.length > 2 ? g[2] : ""));
        }
        return new Mounts(list);
    }

    /** The last (topmost) mount at {@code mountPoint}. */
    public Optional<Entry> at(String mountPoint) {
        Entry found = null;
        for (Entry e : entries) {
            if (e.mountPoint().equals(mountPoint)) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    public Entry require(String mountPoint) {
        return at(mountPoint).orElseThrow(() -> new AssertionError("no mount at " + mountPoint + " in:\n" + this));
    }

    public List<String> mountPoints() {
        return entries.stream().map(Entry::mountPoint).toList();
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        entries.forEach(e -> b.append("  ").append(e).append('\n'));
        return b.toString();
    }
}
