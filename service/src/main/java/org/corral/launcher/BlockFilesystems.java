package org.corral.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.config.model.Domain;
import org.corral.config.model.Filesystem;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.corral.launcher.cgroup.CgroupLimits;
import org.corral.network.CommandRunner;

/**
 * {@code <filesystem type='block'>} and {@code type='file'} (raw images through a loop device):
 * before the supervisor starts, each image gets a loop device ({@code losetup --find --show}) and
 * each device's filesystem type is probed ({@code blkid}); the plan then mounts the device (see
 * {@link ContainerPlanner}). Loop devices are detached on rollback and when the container's
 * resources are released ({@link RunningContainer#cleanUp}); they are recorded in the live state
 * so that a service killed meanwhile still detaches them after re-attaching.
 */
public final class BlockFilesystems {

    private static final Logger LOG = LogManager.getLogger(BlockFilesystems.class);
    private static final CommandRunner RUNNER = new CommandRunner();

    /** A device to mount for one filesystem: its path, filesystem type, and whether it is a loop of ours. */
    public record BlockMount(String device, String fstype, boolean loop) {
    }

    private BlockFilesystems() {
    }

    static boolean isBlock(Filesystem fs) {
        return "block".equals(fs.getType()) || "file".equals(fs.getType());
    }

    /** The host path the definition names: the device or the image file. */
    static String sourceOf(Filesystem fs) {
        if (fs.getSource() == null) {
            return null;
        }
        return "file".equals(fs.getType()) ? fs.getSource().getFile()
                : "block".equals(fs.getType()) ? fs.getSource().getDev() : fs.getSource().getDir();
    }

    /**
     * Attaches a loop device per image and probes every device; keyed by target directory. Each
     * attached loop is pushed on {@code undo} at once, so a later failure detaches it.
     */
    static Map<String, BlockMount> prepare(Domain d, Deque<Runnable> undo) throws CorralException {
        Map<String, BlockMount> out = new LinkedHashMap<>();
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            if (!isBlock(fs)) {
                continue;
            }
            String src = sourceOf(fs);
            Path p = Path.of(src);
            String what = ("file".equals(fs.getType()) ? "image " : "device ") + src + " (target " + fs.getTargetDir() + ")";
            if ("file".equals(fs.getType()) ? !Files.isRegularFile(p) : !isBlockDevice(p)) {
                throw failed(d, "filesystem " + what + (Files.exists(p) ? " is not a "
                        + ("file".equals(fs.getType()) ? "regular file" : "block device") : " does not exist"));
            }
            String dev = src;
            boolean loop = false;
            if ("file".equals(fs.getType())) {
                List<String> argv = new ArrayList<>(List.of("losetup", "--find", "--show"));
                if (fs.isReadonly()) {
                    argv.add("--read-only");
                }
                argv.add(src);
                CommandRunner.Result r = RUNNER.run(argv, null);
                if (!r.ok() || r.stdout().isBlank()) {
                    throw failed(d, "cannot attach a loop device to " + what + ": " + r.reason());
                }
                dev = r.stdout().strip();
                loop = true;
                String attached = dev;
                undo.push(() -> detach(List.of(attached)));
            }
            CommandRunner.Result t = RUNNER.run(List.of("blkid", "-c", "/dev/null", "-o", "value", "-s", "TYPE", dev), null);
            String type = t.stdout().strip();
            if (!t.ok() || type.isEmpty()) {
                throw failed(d, "no known filesystem on " + dev + (loop ? " (loop device of " + what + ")" : " (" + what + ")"));
            }
            out.put(fs.getTargetDir(), new BlockMount(dev, type, loop));
        }
        return out;
    }

    /**
     * Device rules for the devices cgroup: init mounts the device after it joined the
     * container's cgroup, and the kernel checks a block device opened for a mount against that
     * policy (libvirt grants fs block devices likewise: r, or rw). No node for the device exists
     * inside the container and mknod is not granted, so this gives the container no access of
     * its own to the device.
     */
    static List<CgroupLimits.DeviceRule> deviceRules(Domain d, Map<String, BlockMount> mounts) throws CorralException {
        List<CgroupLimits.DeviceRule> rules = new ArrayList<>();
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            BlockMount m = mounts.get(fs.getTargetDir());
            if (m == null) {
                continue;
            }
            long rdev;
            try {
                rdev = ((Number) Files.getAttribute(Path.of(m.device()), "unix:rdev")).longValue();
            } catch (IOException | RuntimeException e) {
                throw failed(d, "cannot read the device number of " + m.device() + ": " + e.getMessage());
            }
            int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
            int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
            rules.add(new CgroupLimits.DeviceRule('b', major, minor, fs.isReadonly() ? "r" : "rw"));
        }
        return rules;
    }

    /** The loop devices of ours among the mounts, to record in the live state. */
    static List<String> loops(Map<String, BlockMount> mounts) {
        return mounts.values().stream().filter(BlockMount::loop).map(BlockMount::device).toList();
    }

    /**
     * Detaches loop devices; never throws. A device still mounted (the container's mount
     * namespace not yet gone) is marked autoclear by the kernel and goes with its last unmount.
     */
    public static void detach(List<String> loops) {
        for (String dev : loops) {
            try {
                CommandRunner.Result r = RUNNER.run(List.of("losetup", "-d", dev), null);
                if (!r.ok()) {
                    LOG.warn("cannot detach loop device {}: {}", dev, r.reason());
                }
            } catch (CorralException | RuntimeException e) {
                LOG.warn("cannot detach loop device {}: {}", dev, e.getMessage());
            }
        }
    }

    private static boolean isBlockDevice(Path p) {
        try {
            int mode = ((Number) Files.getAttribute(p, "unix:mode")).intValue();
            return (mode & 0170000) == 0060000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static CorralException failed(Domain d, String why) {
        return new CorralException(Kind.FAILED, "cannot start container '" + d.getName() + "': " + why);
    }
}
