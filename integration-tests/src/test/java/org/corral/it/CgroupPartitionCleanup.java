package org.corral.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Removes the cgroup partitions the services under test created and left empty: /machine in
 * every v1 hierarchy and machine.slice in the unified one. corrald keeps them, as libvirt keeps
 * its /machine, because they belong to the host; a test run on a machine that had none must
 * leave none. Partitions that existed before the run are never touched, and a partition that
 * still holds a cgroup is reported, not removed (rmdir refuses it anyway). Before that, a
 * background class archive dump of the suite's corrald cache still running is ended.
 */
public final class CgroupPartitionCleanup implements LauncherSessionListener {
    private List<Path> existing = List.of();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        existing = partitions();
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        // A class archive dump that a service start left running in the background (corrald's
        // wrapper, see jvm-cds.sh): the last of the run's processes.
        for (long pid : Processes.withEnvironment("CORRAL_CACHE_DIR", Install.daemonCache().toString())) {
            if (pid != ProcessHandle.current().pid()) {
                Processes.kill(pid);
            }
        }
        for (Path p : partitions()) {
            if (existing.contains(p)) {
                continue;
            }
            try {
                Files.delete(p);
            } catch (NoSuchFileException e) {
                // the same hierarchy under two names (cpu and cpuacct): gone with the first
            } catch (IOException e) {
                System.err.println("CgroupPartitionCleanup: left " + p + " (" + e + "): a test leaked a cgroup below it");
            }
        }
    }

    private static List<Path> partitions() {
        Path root = Path.of("/sys/fs/cgroup");
        List<Path> hierarchies = new ArrayList<>(List.of(root)); // a pure cgroup2 host mounts it here
        try (DirectoryStream<Path> below = Files.newDirectoryStream(root)) {
            below.forEach(hierarchies::add);
        } catch (IOException e) {
            return List.of(); // no cgroup file system: nothing to clean
        }
        List<Path> found = new ArrayList<>();
        for (Path h : hierarchies) {
            for (String name : List.of("machine", "machine.slice")) {
                Path p = h.resolve(name);
                if (Files.isDirectory(p)) {
                    found.add(p);
                }
            }
        }
        return found;
    }
}
