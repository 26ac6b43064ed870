package org.corral.launcher.cgroup;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/** Cgroup objects for plan tests, without touching the host's cgroups. */
public final class CgroupFixtures {

    private CgroupFixtures() {
    }

    /** A v1 host with memory, devices and cpu,cpuacct mounted under /sys/fs/cgroup. */
    public static CgroupLayout v1Layout() throws IOException {
        return CgroupLayout.parse(List.of(
                "32 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "33 31 0:30 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices",
                "34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct"), v2 -> Set.of());
    }

    /** The container's directory in each of {@link #v1Layout}'s hierarchies. */
    public static ContainerCgroup v1Cgroup(CgroupLayout layout, String name) {
        return new ContainerCgroup("/machine/" + name + ".corral",
                layout.v1Hierarchies().stream().map(h -> h.resolve("machine/" + name + ".corral")).toList(), false);
    }

    /** {@link #v1Cgroup} on a hybrid host: with its unit directory in the unified hierarchy. */
    public static ContainerCgroup hybridCgroup(CgroupLayout layout, String name) {
        return new ContainerCgroup("/machine/" + name + ".corral",
                layout.v1Hierarchies().stream().map(h -> h.resolve("machine/" + name + ".corral")).toList(), false,
                java.nio.file.Path.of("/sys/fs/cgroup/unified/machine.slice/corral-" + name + ".scope"));
    }

    /** A pure cgroup v2 host with memory, pids and cpu. */
    public static CgroupLayout v2Layout() throws IOException {
        return CgroupLayout.parse(List.of("30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw"),
                v2 -> Set.of("memory", "pids", "cpu"));
    }

    /** A container's cgroup on a pure cgroup v2 host ({@link #v2Layout}). */
    public static ContainerCgroup v2Cgroup(String name) {
        return new ContainerCgroup("/machine/" + name + ".corral",
                List.of(java.nio.file.Path.of("/sys/fs/cgroup/machine/" + name + ".corral")), true);
    }
}
