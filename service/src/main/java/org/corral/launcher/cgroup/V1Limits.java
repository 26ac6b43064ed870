package org.corral.launcher.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/** Limits on cgroup v1: one file per setting, each in its controller's hierarchy. */
final class V1Limits {

    private V1Limits() {
    }

    static void apply(CgroupLayout layout, String rel, CgroupLimits l) throws IOException, CorralException {
        Path memory = dir(layout, "memory", rel);
        CgroupManager.write(memory.resolve("memory.limit_in_bytes"), Long.toString(l.memoryBytes()));
        if (l.memorySoftBytes() != null) {
            CgroupManager.write(memory.resolve("memory.soft_limit_in_bytes"), Long.toString(l.memorySoftBytes()));
        }
        if (l.swapHardBytes() != null) {
            Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
            if (!Files.exists(memsw)) {
                throw new CorralException(Kind.FAILED, "swap_hard_limit needs swap accounting, which this kernel lacks (no " + memsw + ")");
            }
            CgroupManager.write(memsw, Long.toString(Math.max(l.swapHardBytes(), l.memoryBytes())));
        }
        if (l.cpuShares() != null || l.cpuPeriodUs() != null || l.cpuQuotaUs() != null) {
            Path cpu = requireController(layout, "cpu", rel, "<cputune>");
            if (l.cpuShares() != null) {
                CgroupManager.write(cpu.resolve("cpu.shares"), Long.toString(l.cpuShares()));
            }
            if (l.cpuPeriodUs() != null) {
                CgroupManager.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(l.cpuPeriodUs()));
            }
            if (l.cpuQuotaUs() != null) {
                CgroupManager.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(l.cpuQuotaUs()));
            }
        }
        if (l.blkioWeight() != null) {
            Path blkio = requireController(layout, "blkio", rel, "<blkiotune><weight>");
            Path weight = Files.exists(blkio.resolve("blkio.weight")) ? blkio.resolve("blkio.weight")
                    : blkio.resolve("blkio.bfq.weight");
            if (!Files.exists(weight)) {
                throw new CorralException(Kind.FAILED, "<blkiotune><weight> needs a proportional I/O scheduler (CFQ or BFQ); "
                        + "this host's blkio controller has no weight file");
            }
            CgroupManager.write(weight, Integer.toString(l.blkioWeight()));
        }
        // Deny everything first, then allow the container's nodes: the seed's device policy.
        Path devices = dir(layout, "devices", rel);
        CgroupManager.write(devices.resolve("devices.deny"), "a");
        List<String> rules = new ArrayList<>();
        for (CgroupLimits.DeviceRule r : l.devices()) {
            rules.add(r.toString());
        }
        CgroupManager.writeEach(devices.resolve("devices.allow"), rules);
    }

    private static Path dir(CgroupLayout layout, String controller, String rel) {
        return layout.v1().get(controller).resolve(rel.substring(1));
    }

    private static Path requireController(CgroupLayout layout, String controller, String rel, String what)
            throws CorralException {
        if (!layout.v1().containsKey(controller)) {
            throw new CorralException(Kind.FAILED, what + " needs the cgroup controller '" + controller
                    + "', which this host does not mount");
        }
        return dir(layout, controller, rel);
    }
}
