package org.corral.launcher.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.corral.sys.Mountinfo;

/**
 * Which cgroup hierarchies this host has, read from /proc/self/mountinfo: v1 controllers each
 * at their mount point (some co-mounted, like cpu,cpuacct), and a cgroup2 mount with whatever
 * controllers it holds. Hybrid hosts have both; libvirt 9 and crun 1.8 fail on the hybrid
 * layout where cgroup2 holds only hugetlb, so every controller is looked up where it really is.
 */
public final class CgroupLayout {

    /** The controllers corral uses, in the order it sets them up. */
    public static final List<String> KNOWN = List.of(
            "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

    private final Map<String, Path> v1;
    private final Path v2;
    private final Set<String> v2Controllers;

    CgroupLayout(Map<String, Path> v1, Path v2, Set<String> v2Controllers) {
        this.v1 = v1;
        this.v2 = v2;
        this.v2Controllers = v2Controllers;
    }

    public static CgroupLayout detect() throws IOException {
        return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")), CgroupLayout::readControllers);
    }

    interface ControllerReader {
        Set<String> read(Path v2Mount) throws IOException;
    }

    static CgroupLayout parse(List<String> mountinfo, ControllerReader v2Reader) throws IOException {
        Map<String, Path> v1 = new LinkedHashMap<>();
        Path v2 = null;
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 0 || dash + 3 >= f.length + 1) {
                continue;
            }
            String fsType = f[dash + 1];
            Path mountPoint = Path.of(Mountinfo.unescape(f[4]));
            if (fsType.equals("cgroup2") && v2 == null) {
                v2 = mountPoint;
            } else if (fsType.equals("cgroup")) {
                for (String opt : f[dash + 3].split(",")) {
                    if (KNOWN.contains(opt)) {
                        v1.putIfAbsent(opt, mountPoint);
                    }
                }
            }
        }
        Set<String> v2Controllers = v2 == null ? Set.of() : v2Reader.read(v2);
        return new CgroupLayout(v1, v2, v2Controllers);
    }

    private static Set<String> readControllers(Path v2Mount) throws IOException {
        Path f = v2Mount.resolve("cgroup.controllers");
        return Files.exists(f) ? new TreeSet<>(List.of(Files.readString(f).trim().split("\\s+"))) : Set.of();
    }

    /**
     * Pure cgroup v2: no v1 hierarchy holds memory, and the unified one does. A hybrid host with
     * v1 controllers is driven through v1.
     */
    public boolean isUnified() {
        return !v1.containsKey("memory") && v2 != null && v2Controllers.contains("memory");
    }

    /** v1: controller -> mount point of its hierarchy. */
    public Map<String, Path> v1() {
        return v1;
    }

    public Path v2() {
        return v2;
    }

    public Set<String> v2Controllers() {
        return v2Controllers;
    }

    /** Distinct v1 hierarchy mount points (co-mounted controllers share one). */
    public List<Path> v1Hierarchies() {
        List<Path> out = new ArrayList<>();
        for (Path p : v1.values()) {
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return isUnified() ? "cgroup v2 at " + v2 + " " + v2Controllers
                : "cgroup v1 " + v1 + (v2 == null ? "" : ", cgroup2 at " + v2 + " " + v2Controllers);
    }
}
