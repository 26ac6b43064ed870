package org.corral.launcher.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/**
 * Limits on cgroup v2: memory.max/high/swap.max, cpu.weight/max, io.weight, and the device
 * policy as a BPF_CGROUP_DEVICE program ({@link DeviceFilter}).
 */
final class V2Limits {

    private static final List<String> WANTED = List.of("cpu", "io", "memory", "pids", "cpuset");

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
            // The mapping systemd and libvirt use from v1 shares (2..262144) to v2 weight (1..10000).
            long weight = 1 + ((Math.max(2, l.cpuShares()) - 2) * 9999) / 262142;
            CgroupManager.write(dir.resolve("cpu.weight"), Long.toString(weight));
        }
        if (l.cpuQuotaUs() != null || l.cpuPeriodUs() != null) {
            long period = l.cpuPeriodUs() == null ? 100000 : l.cpuPeriodUs();
            String quota = l.cpuQuotaUs() == null || l.cpuQuotaUs() < 0 ? "max" : Long.toString(l.cpuQuotaUs());
            CgroupManager.write(dir.resolve("cpu.max"), quota + " " + period);
        }
        if (l.blkioWeight() != null) {
            CgroupManager.write(dir.resolve("io.weight"), "default " + l.blkioWeight());
        }
        try {
            DeviceFilter.attach(dir, l.devices());
        } catch (org.corral.sys.SyscallException e) {
            throw new CorralException(Kind.FAILED, "cannot attach the device filter (BPF_CGROUP_DEVICE) to " + dir
                    + ": " + e.getMessage() + "; corral does not run containers without device control");
        }
    }
}
