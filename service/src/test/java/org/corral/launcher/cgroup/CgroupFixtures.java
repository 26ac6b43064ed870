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
}
