package org.corral.meminfo;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A container's /proc/meminfo, computed from the host's /proc/meminfo and the texts of the
 * container cgroup's memory files. Pure: the caller reads the files, so tests can feed any text.
 *
 * <p>Rules (libvirt's lxc_fuse.c, plus what lxcfs users ran into): MemTotal is the memory limit,
 * or the host's MemTotal when there is no usable limit (never 0); MemFree is MemTotal minus usage,
 * never negative; the LRU and cache lines come from memory.stat; Buffers and the Slab lines are 0;
 * SwapTotal/SwapFree follow the swap limit when one is set; every other line is the host's, in the
 * host's order. When the cgroup's usage cannot be read the host's text is returned unchanged, as
 * libvirt does on error.
 */
public final class MeminfoFormatter {

    public enum Version { V1, V2 }

    /** The blanks between fields; compiled once (String.split compiles a pattern at every call). */
    private static final Pattern BLANKS = Pattern.compile("\\s+");

    /** The cgroup v1 files {@link #format} looks at. */
    public static final List<String> V1_FILES = List.of("memory.limit_in_bytes", "memory.usage_in_bytes",
            "memory.stat", "memory.memsw.limit_in_bytes", "memory.memsw.usage_in_bytes");

    /** The cgroup v2 files {@link #format} looks at. */
    public static final List<String> V2_FILES = List.of("memory.max", "memory.current", "memory.stat",
            "memory.swap.max", "memory.swap.current");

    /**
     * v1 prints "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 with 4 KiB pages); any
     * value this large is no limit, whatever the page size.
     */
    private static final long V1_UNLIMITED = 1L << 62;

    private MeminfoFormatter() {
    }

    public static List<String> files(Version version) {
        return version == Version.V1 ? V1_FILES : V2_FILES;
    }

    /**
     * @param host the host's /proc/meminfo
     * @param cgroupFiles file name (e.g. "memory.max") to content; a missing entry is a file that
     *        could not be read
     */
    public static String format(String host, Version version, Map<String, String> cgroupFiles) {
        Map<String, Long> hostKb = parseMeminfo(host);
        long hostTotal = hostKb.getOrDefault("MemTotal", 0L);
        boolean v1 = version == Version.V1;
        Long usage = number(cgroupFiles.get(v1 ? "memory.usage_in_bytes" : "memory.current"));
        if (usage == null || hostTotal <= 0) {
            return host;
        }
        Map<String, Long> stat = parseStat(cgroupFiles.get("memory.stat"));

        Long limit = number(cgroupFiles.get(v1 ? "memory.limit_in_bytes" : "memory.max"));
        if (v1) {
            // A limit on an ancestor (e.g. on /machine) binds the container as well.
            limit = min(limit, stat.get("hierarchical_memory_limit"));
            if (limit != null && limit >= V1_UNLIMITED) {
                limit = null;
            }
        }
        // "max", unreadable, nonsense, or more than the host has: the host's total, never 0.
        long memTotal = limit == null || limit / 1024 <= 0 || limit / 1024 > hostTotal ? hostTotal : limit / 1024;
        long memFree = Math.max(0, memTotal - usage / 1024);

        long activeAnon = kb(stat, v1, "active_anon");
        long inactiveAnon = kb(stat, v1, "inactive_anon");
        long activeFile = kb(stat, v1, "active_file");
        long inactiveFile = kb(stat, v1, "inactive_file");

        Map<String, Long> out = new HashMap<>();
        out.put("MemTotal", memTotal);
        out.put("MemFree", memFree);
        // libvirt reports MemAvailable = MemFree, so a container whose usage is mostly page cache
        // looks out of memory, and tools that size themselves on MemAvailable shrink for nothing
        // (lxcfs #334: "page cache counted as used"). The file LRU (active_file + inactive_file)
        // is what reclaim gives back before the cgroup OOMs, so it counts as available, as the
        // kernel's own estimate counts file pages. Shmem/tmpfs pages are not on the file LRU
        // (they sit on the anon LRU), so this is not the whole "Cached", on purpose. Capped at
        // MemTotal because usage and the LRU counters are sampled at different moments.
        out.put("MemAvailable", Math.min(memTotal, memFree + activeFile + inactiveFile));
        out.put("Buffers", 0L);
        out.put("Cached", kb(stat, v1 ? "total_cache" : "file", v1 ? "cache" : null));
        out.put("Active", activeAnon + activeFile);
        out.put("Inactive", inactiveAnon + inactiveFile);
        out.put("Active(anon)", activeAnon);
        out.put("Inactive(anon)", inactiveAnon);
        out.put("Active(file)", activeFile);
        out.put("Inactive(file)", inactiveFile);
        out.put("Unevictable", kb(stat, v1, "unevictable"));
        out.put("Shmem", kb(stat, v1, "shmem"));
        out.put("Slab", 0L);
        out.put("SReclaimable", 0L);
        out.put("SUnreclaim", 0L);
        swap(out, hostKb, v1, limit, usage, stat, cgroupFiles);

        StringBuilder sb = new StringBuilder(host.length());
        for (String line : host.split("\n", -1)) {
            int colon = line.indexOf(':');
            Long value = colon > 0 ? out.get(line.substring(0, colon)) : null;
            if (value != null && line.endsWith(" kB")) {
                // The kernel's show_val_kb(): label and colon padded to 16, value in 8 columns.
                appendPadded(sb, line.substring(0, colon + 1), 16, false);
                appendPadded(sb, Long.toString(value), 8, true);
                sb.append(" kB");
            } else {
                sb.append(line);
            }
            sb.append('\n');
        }
        // split(-1) gave one empty piece after the final newline.
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /**
     * The most bytes {@link #format} can give on this host, known from the host's text alone:
     * every value it writes is at most the host's MemTotal or SwapTotal, and the kernel pads each
     * value to 8 columns, so a line grows at most by the digits such a value has beyond 8
     * (none on a host with less than 10^8 kB of memory and of swap, where the bound is exact).
     * Answering {@code st_size} with it spares a lookup reading the cgroup's files.
     */
    public static long sizeBound(String host) {
        Map<String, Long> hostKb = parseMeminfo(host);
        long largest = Math.max(hostKb.getOrDefault("MemTotal", 0L), hostKb.getOrDefault("SwapTotal", 0L));
        int extraDigits = Math.max(0, Long.toString(largest).length() - 8);
        long lines = host.chars().filter(c -> c == '\n').count();
        return host.length() + lines * extraDigits;
    }

    /**
     * SwapTotal and SwapFree only when the container has a swap limit (libvirt: only with
     * swap_hard_limit); otherwise the host's lines stay. Bounded by the host's SwapTotal: a
     * swap allowance on a host without swap is no swap at all.
     */
    private static void swap(Map<String, Long> out, Map<String, Long> hostKb, boolean v1, Long memLimit, long usage,
            Map<String, Long> stat, Map<String, String> files) {
        long swapTotal;
        long swapUsed;
        if (v1) {
            // memsw counts memory + swap together.
            Long memsw = min(number(files.get("memory.memsw.limit_in_bytes")), stat.get("hierarchical_memsw_limit"));
            if (memsw == null || memsw >= V1_UNLIMITED || memLimit == null) {
                return;
            }
            swapTotal = Math.max(0, memsw - memLimit) / 1024;
            Long memswUsage = number(files.get("memory.memsw.usage_in_bytes"));
            swapUsed = memswUsage != null ? Math.max(0, memswUsage - usage) / 1024 : kb(stat, v1, "swap");
        } else {
            Long max = number(files.get("memory.swap.max"));
            if (max == null) {
                return;
            }
            swapTotal = max / 1024;
            Long current = number(files.get("memory.swap.current"));
            swapUsed = current == null ? 0 : current / 1024;
        }
        Long hostSwap = hostKb.get("SwapTotal");
        if (hostSwap != null) {
            swapTotal = Math.min(swapTotal, hostSwap);
        }
        out.put("SwapTotal", swapTotal);
        out.put("SwapFree", Math.max(0, swapTotal - swapUsed));
    }

    /** v1 has per-cgroup keys and hierarchical "total_" ones; the container's own cgroup has children. */
    private static long kb(Map<String, Long> stat, boolean v1, String key) {
        return v1 ? kb(stat, "total_" + key, key) : kb(stat, key, null);
    }

    private static long kb(Map<String, Long> stat, String key, String fallback) {
        Long v = stat.get(key);
        if (v == null && fallback != null) {
            v = stat.get(fallback);
        }
        return v == null ? 0 : Math.max(0, v) / 1024;
    }

    /** {@code text} padded with blanks to {@code width}, on the left when {@code right}-aligned. */
    private static void appendPadded(StringBuilder sb, String text, int width, boolean right) {
        if (!right) {
            sb.append(text);
        }
        for (int i = text.length(); i < width; i++) {
            sb.append(' ');
        }
        if (right) {
            sb.append(text);
        }
    }

    private static Long min(Long a, Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.min(a, b));
    }

    /** A cgroup number file ("max" and anything unparseable are null). */
    static Long number(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** memory.stat: "key value" lines. */
    static Map<String, Long> parseStat(String text) {
        Map<String, Long> m = new HashMap<>();
        if (text == null) {
            return m;
        }
        for (String line : text.split("\n")) {
            String[] f = BLANKS.split(line.trim());
            if (f.length == 2) {
                Long v = number(f[1]);
                if (v != null) {
                    m.put(f[0], v);
                }
            }
        }
        return m;
    }

    /** /proc/meminfo: "Key:   value kB" (or without unit), in order. */
    static Map<String, Long> parseMeminfo(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String[] f = BLANKS.split(line.substring(colon + 1).trim());
            Long v = f.length > 0 ? number(f[0]) : null;
            if (v != null) {
                m.put(line.substring(0, colon), v);
            }
        }
        return m;
    }
}
