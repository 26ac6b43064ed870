package org.corral.launcher.cgroup;

import java.util.List;

import org.corral.config.model.Domain;
import org.corral.config.model.Memtune;

/**
 * The resource limits of one container, in bytes and kernel units, taken from its definition
 * as libvirt's LXC driver takes them: {@code <memory>} (or memtune hard_limit) is the memory
 * limit; cputune shares/period/quota; blkiotune weight.
 */
public record CgroupLimits(long memoryBytes, Long memorySoftBytes, Long swapHardBytes, Long cpuShares,
        Long cpuPeriodUs, Long cpuQuotaUs, Integer blkioWeight, List<DeviceRule> devices) {

    /** A devices-cgroup rule: type c or b, major, minor (-1 = any), access letters. */
    public record DeviceRule(char type, int major, int minor, String access) {
        @Override
        public String toString() {
            return type + " " + (major < 0 ? "*" : major) + ":" + (minor < 0 ? "*" : minor) + " " + access;
        }
    }

    /**
     * The nodes every container may use, as the seed lists them, plus ptys and fuse (for the
     * /proc/meminfo server later): null, zero, full, random, urandom, tty, ptmx, /dev/pts/*.
     */
    public static final List<DeviceRule> DEFAULT_DEVICES = List.of(
            new DeviceRule('c', 1, 3, "rwm"), new DeviceRule('c', 1, 5, "rwm"), new DeviceRule('c', 1, 7, "rwm"),
            new DeviceRule('c', 1, 8, "rwm"), new DeviceRule('c', 1, 9, "rwm"), new DeviceRule('c', 5, 0, "rwm"),
            new DeviceRule('c', 5, 2, "rwm"), new DeviceRule('c', 136, -1, "rwm"), new DeviceRule('c', 10, 229, "rwm"));

    public static CgroupLimits of(Domain d) {
        Memtune mt = d.getMemtune();
        long memory = d.getMemoryKiB() * 1024;
        if (mt != null && mt.getHardLimit() != null) {
            memory = Math.min(memory, mt.getHardLimit().getKiB() * 1024);
        }
        Long soft = mt == null || mt.getSoftLimit() == null ? null : mt.getSoftLimit().getKiB() * 1024;
        Long swap = mt == null || mt.getSwapHardLimit() == null ? null : mt.getSwapHardLimit().getKiB() * 1024;
        var ct = d.getCputune();
        var bt = d.getBlkiotune();
        return new CgroupLimits(memory, soft, swap,
                ct == null ? null : ct.getShares(), ct == null ? null : ct.getPeriod(), ct == null ? null : ct.getQuota(),
                bt == null ? null : bt.getWeight(), DEFAULT_DEVICES);
    }
}
