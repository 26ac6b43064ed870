package org.corral.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.corral.launcher.cgroup.CgroupLayout;
import org.corral.launcher.cgroup.ContainerCgroup;

/**
 * The figures virt-top shows, read from the container's cgroup and network namespace, under
 * the same names on cgroup v1 and v2. A figure the host does not provide is left out rather than
 * reported as 0.
 */
public final class StatsReader {

    private final CgroupLayout layout;

    public StatsReader(CgroupLayout layout) {
        this.layout = layout;
    }

    /** Name -> value (Long for counters and bytes, Integer for "processes"). */
    public Map<String, Number> read(RunningContainer rc) {
        Map<String, Number> out = new LinkedHashMap<>();
        ContainerCgroup cg = rc.cgroup();
        String rel = cg.relativePath().substring(1);
        if (layout.isUnified()) {
            Path dir = layout.v2().resolve(rel);
            Map<String, Long> cpu = keyed(dir.resolve("cpu.stat"));
            if (cpu.containsKey("usage_usec")) {
                out.put("cpu.time", cpu.get("usage_usec") * 1000);
            }
            putLong(out, "memory.current", dir.resolve("memory.current"));
            putLong(out, "memory.limit", dir.resolve("memory.max"));
            putLong(out, "memory.peak", dir.resolve("memory.peak"));
            ioStatV2(out, dir.resolve("io.stat"));
        } else {
            putLong(out, "cpu.time", v1(cg, "cpuacct", "cpuacct.usage"));
            putLong(out, "memory.current", v1(cg, "memory", "memory.usage_in_bytes"));
            putLong(out, "memory.limit", v1(cg, "memory", "memory.limit_in_bytes"));
            putLong(out, "memory.peak", v1(cg, "memory", "memory.max_usage_in_bytes"));
            blkioV1(out, v1(cg, "blkio", "blkio.throttle.io_service_bytes_recursive"), "bytes");
            blkioV1(out, v1(cg, "blkio", "blkio.throttle.io_serviced_recursive"), "ops");
        }
        try {
            out.put("processes", cg.pids().size());
        } catch (IOException e) {
            // left out
        }
        if (rc.init() != null) {
            network(out, Path.of("/proc/" + rc.init().pid() + "/net/dev"));
        }
        return out;
    }

    private Path v1(ContainerCgroup cg, String controller, String file) {
        Path mount = layout.v1().get(controller);
        return mount == null ? null : mount.resolve(cg.relativePath().substring(1)).resolve(file);
    }

    private static void putLong(Map<String, Number> out, String name, Path file) {
        if (file == null) {
            return;
        }
        try {
            String v = Files.readString(file).trim();
            if (!v.equals("max")) {
                out.put(name, Long.parseLong(v));
            }
        } catch (IOException | NumberFormatException e) {
            // not provided by this host
        }
    }

    /** Lines "key value" (cpu.stat, memory.stat). */
    static Map<String, Long> keyed(Path file) {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2) {
                    out.put(f[0], Long.parseLong(f[1]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // empty
        }
        return out;
    }

    /** "MAJ:MIN Read N" lines; the Total line is skipped so devices are summed once. */
    static void blkioV1(Map<String, Number> out, Path file, String unit) {
        if (file == null) {
            return;
        }
        long read = 0;
        long write = 0;
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3 && f[1].equals("Read")) {
                    read += Long.parseLong(f[2]);
                } else if (f.length == 3 && f[1].equals("Write")) {
                    write += Long.parseLong(f[2]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return;
        }
        out.put("block.read." + unit, read);
        out.put("block.write." + unit, write);
    }

    /** "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." per device. */
    static void ioStatV2(Map<String, Number> out, Path file) {
        long[] sums = new long[4];
        List<String> keys = List.of("rbytes", "wbytes", "rios", "wios");
        try {
            for (String line : Files.readAllLines(file)) {
                for (String field : line.trim().split("\\s+")) {
                    int eq = field.indexOf('=');
                    int k = eq < 0 ? -1 : keys.indexOf(field.substring(0, eq));
                    if (k >= 0) {
                        sums[k] += Long.parseLong(field.substring(eq + 1));
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            return;
        }
        out.put("block.read.bytes", sums[0]);
        out.put("block.write.bytes", sums[1]);
        out.put("block.read.ops", sums[2]);
        out.put("block.write.ops", sums[3]);
    }

    /** /proc/PID/net/dev of init: the container's network namespace, lo left out. */
    static void network(Map<String, Number> out, Path netDev) {
        long rxBytes = 0;
        long rxPackets = 0;
        long rxErrors = 0;
        long txBytes = 0;
        long txPackets = 0;
        long txErrors = 0;
        try {
            List<String> lines = Files.readAllLines(netDev);
            for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
                int colon = line.indexOf(':');
                if (colon < 0 || line.substring(0, colon).trim().equals("lo")) {
                    continue;
                }
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                rxBytes += Long.parseLong(f[0]);
                rxPackets += Long.parseLong(f[1]);
                rxErrors += Long.parseLong(f[2]);
                txBytes += Long.parseLong(f[8]);
                txPackets += Long.parseLong(f[9]);
                txErrors += Long.parseLong(f[10]);
            }
        } catch (IOException | RuntimeException e) {
            return;
        }
        out.put("net.rx.bytes", rxBytes);
        out.put("net.tx.bytes", txBytes);
        out.put("net.rx.packets", rxPackets);
        out.put("net.tx.packets", txPackets);
        out.put("net.rx.errors", rxErrors);
        out.put("net.tx.errors", txErrors);
    }
}
