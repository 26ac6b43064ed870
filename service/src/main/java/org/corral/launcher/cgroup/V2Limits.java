package org.corral.launcher.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/**
 * Limits on cgroup v2: memory.max/high/swap.max, cpu.weight/max, io.bfq.weight or io.weight, and
 * the device policy as a BPF_CGROUP_DEVICE program ({@link DeviceFilter}).
 */
final class V2Limits {

    private static final List<String> WANTED = List.of("cpu", "io", "memory", "pids", "cpuset");
    static final long CPU_WEIGHT_MIN = 1;
    static final long CPU_WEIGHT_MAX = 10000;

    private V2Limits() {
    }

    static void enableControllers(Path dir, Set<String> available) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String c : WANTED) {
            if (available.contains(c)) {
                sb.append(sb.length() == 0 ? "" : " ").append('+').append(c);
            }
        }
        if (sb.length() > 0) {
            CgroupManager.write(dir.resolve("cgroup.subtree_control"), sb.toString());
        }
    }

    static void apply(Path dir, CgroupLimits l) throws IOException, CorralException {
        CgroupManager.write(dir.resolve("memory.max"), Long.toString(l.memoryBytes()));
        if (l.memorySoftBytes() != null) {
            CgroupManager.write(dir.resolve("memory.high"), Long.toString(l.memorySoftBytes()));
        }
        if (l.swapHardBytes() != null) {
            CgroupManager.write(dir.resolve("memory.swap.max"), Long.toString(Math.max(0, l.swapHardBytes() - l.memoryBytes())));
        }
        if (l.cpuShares() != null) {
            // As libvirt's cgroup v2 backend: the shares value is the weight, and one outside
            // cpu.weight's range is refused rather than rescaled.
            long shares = l.cpuShares();
            if (shares < CPU_WEIGHT_MIN || shares > CPU_WEIGHT_MAX) {
                throw new CorralException(Kind.INVALID_CONFIG, "cputune shares " + shares + " must be in range ["
                        + CPU_WEIGHT_MIN + ", " + CPU_WEIGHT_MAX + "] on cgroup v2 (it is written to cpu.weight)");
            }
            CgroupManager.write(dir.resolve("cpu.weight"), Long.toString(shares));
        }
        if (l.cpuQuotaUs() != null || l.cpuPeriodUs() != null) {
            long period = l.cpuPeriodUs() == null ? 100000 : l.cpuPeriodUs();
            String quota = l.cpuQuotaUs() == null || l.cpuQuotaUs() < 0 ? "max" : Long.toString(l.cpuQuotaUs());
            CgroupManager.write(dir.resolve("cpu.max"), quota + " " + period);
        }
        if (l.blkioWeight() != null) {
            // As libvirt: BFQ's own weight where BFQ schedules a disk (it ignores io.weight), else
            // io.weight (blk-iocost).
            Path bfq = dir.resolve("io.bfq.weight");
            Path iocost = dir.resolve("io.weight");
            if (Files.exists(bfq)) {
                CgroupManager.write(bfq, Integer.toString(l.blkioWeight()));
            } else if (Files.exists(iocost)) {
                CgroupManager.write(iocost, "default " + l.blkioWeight());
            } else {
                throw new CorralException(Kind.FAILED, "blkiotune weight needs io.bfq.weight (the bfq scheduler) or "
                        + "io.weight (blk-iocost) in " + dir + ", and this kernel offers neither");
            }
        }
        try {
            DeviceFilter.attach(dir, l.devices());
        } catch (org.corral.sys.SyscallException e) {
            throw new CorralException(Kind.FAILED, "cannot attach the device filter (BPF_CGROUP_DEVICE) to " + dir
                    + ": " + e.getMessage() + "; corral does not run containers without device control");
        }
    }
}
