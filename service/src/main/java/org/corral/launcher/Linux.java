package org.corral.launcher;

import java.util.List;
import java.util.Map;

/** Kernel constants the plan speaks in (from linux/sched.h, linux/mount.h, linux/capability.h). */
final class Linux {

    static final long CLONE_NEWNS = 0x00020000L;
    static final long CLONE_NEWCGROUP = 0x02000000L;
    static final long CLONE_NEWUTS = 0x04000000L;
    static final long CLONE_NEWIPC = 0x08000000L;
    static final long CLONE_NEWUSER = 0x10000000L;
    static final long CLONE_NEWPID = 0x20000000L;
    static final long CLONE_NEWNET = 0x40000000L;

    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_REMOUNT = 32;
    static final long MS_BIND = 4096;
    static final long MS_MOVE = 8192;
    static final long MS_REC = 16384;
    static final long MS_PRIVATE = 1L << 18;

    static final int MNT_DETACH = 2;

    static final int S_IFCHR = 0020000;

    /** Capability numbers by libvirt's names (linux/capability.h). */
    static final Map<String, Integer> CAPABILITIES = Map.ofEntries(
            Map.entry("chown", 0), Map.entry("dac_override", 1), Map.entry("dac_read_search", 2),
            Map.entry("fowner", 3), Map.entry("fsetid", 4), Map.entry("kill", 5), Map.entry("setgid", 6),
            Map.entry("setuid", 7), Map.entry("setpcap", 8), Map.entry("linux_immutable", 9),
            Map.entry("net_bind_service", 10), Map.entry("net_broadcast", 11), Map.entry("net_admin", 12),
            Map.entry("net_raw", 13), Map.entry("ipc_lock", 14), Map.entry("ipc_owner", 15),
            Map.entry("sys_module", 16), Map.entry("sys_rawio", 17), Map.entry("sys_chroot", 18),
            Map.entry("sys_ptrace", 19), Map.entry("sys_pacct", 20), Map.entry("sys_admin", 21),
            Map.entry("sys_boot", 22), Map.entry("sys_nice", 23), Map.entry("sys_resource", 24),
            Map.entry("sys_time", 25), Map.entry("sys_tty_config", 26), Map.entry("mknod", 27),
            Map.entry("lease", 28), Map.entry("audit_write", 29), Map.entry("audit_control", 30),
            Map.entry("setfcap", 31), Map.entry("mac_override", 32), Map.entry("mac_admin", 33),
            Map.entry("syslog", 34), Map.entry("wake_alarm", 35), Map.entry("block_suspend", 36),
            // Newer than libvirt's list: no XML can turn them on, so policy='deny' drops them and
            // 'default'/'allow' keep them as libvirt keeps capabilities it doesn't know.
            Map.entry("audit_read", 37), Map.entry("perfmon", 38), Map.entry("bpf", 39),
            Map.entry("checkpoint_restore", 40));

    /** The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap). */
    static int lastCapability() {
        return LAST_CAP;
    }

    private static final int LAST_CAP = readLastCap();

    private static int readLastCap() {
        try {
            // Not Files.readString: procfs reports size 0 and sysctl files end a read that
            // starts past offset 0, so a 1-byte first read yields "4" of "40".
            return Integer.parseInt(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/kernel/cap_last_cap")).get(0).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            return 40;
        }
    }

    /**
     * What libvirt's default policy drops: mknod (the seed: no device nodes from inside),
     * sys_module, sys_time, audit_control and mac_admin. sys_boot stays: the kernel turns
     * reboot() in a PID namespace into the end of its init, which corral handles as a reboot.
     */
    static final List<String> DEFAULT_DROPS = List.of("audit_control", "mac_admin", "mknod", "sys_module", "sys_time");

    private Linux() {
    }
}
