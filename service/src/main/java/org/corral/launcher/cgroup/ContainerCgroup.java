package org.corral.launcher.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.corral.sys.Errno;
import org.corral.sys.Native;
import org.corral.sys.SyscallException;

/**
 * The cgroup of one container: the same relative path (say /machine/web.corral) in every
 * hierarchy that corral uses. Holds every container process; removed when the container stops.
 */
public final class ContainerCgroup {

    private final String relativePath;
    private final List<Path> dirs;
    private final boolean unified;
    /** Hybrid hosts: machine.slice/corral-NAME.scope in the unified hierarchy (for machined), or null. */
    private final Path unitDir;
    /**
     * Parents to remove once empty: a machine scope's directories in the hierarchies that
     * systemd does not manage and so does not remove with the scope.
     */
    private final List<Path> emptyParents;

    ContainerCgroup(String relativePath, List<Path> dirs, boolean unified) {
        this(relativePath, dirs, unified, null);
    }

    ContainerCgroup(String relativePath, List<Path> dirs, boolean unified, Path unitDir) {
        this(relativePath, dirs, unified, unitDir, List.of());
    }

    ContainerCgroup(String relativePath, List<Path> dirs, boolean unified, Path unitDir, List<Path> emptyParents) {
        this.relativePath = relativePath;
        this.dirs = List.copyOf(dirs);
        this.unified = unified;
        this.unitDir = unitDir;
        this.emptyParents = List.copyOf(emptyParents);
    }

    /** The unit cgroup init also joins on hybrid hosts, so that machined finds its unit. */
    public Optional<Path> unitDirectory() {
        return Optional.ofNullable(unitDir);
    }

    /** Directories removed after the container's own once they are empty. */
    List<Path> emptyParents() {
        return emptyParents;
    }

    /** The path inside each hierarchy, as /proc/PID/cgroup shows it. */
    public String relativePath() {
        return relativePath;
    }

    public List<Path> directories() {
        return dirs;
    }

    /** The files a process's PID is written to, to move it here: one per hierarchy. */
    public List<Path> procsFiles() {
        List<Path> out = new ArrayList<>(v1ProcsFiles());
        v2Directory().ifPresent(d -> out.add(d.resolve("cgroup.procs")));
        return out;
    }

    /**
     * The cgroup2 directory init can be created in (clone3 with CLONE_INTO_CGROUP, the plan's
     * {@code clonecgroup}): the container's own on a pure v2 host, the unit directory on a hybrid
     * one; empty on a v1-only host.
     */
    public Optional<Path> v2Directory() {
        return unified ? Optional.of(dirs.get(0)) : Optional.ofNullable(unitDir);
    }

    /** The {@code cgroup.procs} files of the cgroup v1 hierarchies (none on a pure v2 host). */
    public List<Path> v1ProcsFiles() {
        return unified ? List.of() : dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
    }

    /**
     * The {@code tasks} files of the cgroup v1 hierarchies, which a single-threaded init writes
     * "0" to, to join them itself (the plan's {@code cgroupjoin}).
     */
    public List<Path> v1TasksFiles() {
        return unified ? List.of() : dirs.stream().map(d -> d.resolve("tasks")).toList();
    }

    /** The PIDs in the cgroup (read from the first hierarchy: all hold the same processes). */
    public List<Integer> pids() throws IOException {
        List<Integer> out = new ArrayList<>();
        if (dirs.isEmpty()) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(dirs.get(0).resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    out.add(Integer.parseInt(line.trim()));
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            // ENODEV, from open (a FileSystemException) or from read (a plain IOException, as
            // when systemd trims a machine scope meanwhile): the cgroup is being removed, the
            // container ended.
            if (!Files.isDirectory(dirs.get(0))) {
                return out;
            }
            if (e.getMessage() != null && e.getMessage().contains("No such device")) {
                return out;
            }
            throw e;
        }
        return out;
    }

    /**
     * SIGKILLs every process at once: cgroup.kill on v2; on v1 each PID, repeated until the
     * cgroup is empty, since a process may fork while the list is read.
     */
    public void killAll() throws IOException {
        if (unified && Files.exists(dirs.get(0).resolve("cgroup.kill"))) {
            Files.writeString(dirs.get(0).resolve("cgroup.kill"), "1");
            return;
        }
        for (int round = 0; round < 100; round++) {
            List<Integer> pids = pids();
            if (pids.isEmpty()) {
                return;
            }
            for (int pid : pids) {
                try {
                    Native.kill(pid, 9);
                } catch (SyscallException e) {
                    if (e.errno() != Errno.ESRCH) {
                        throw e;
                    }
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Removes the directories, then the empty parents. Exited processes leave a cgroup only when
     * reaped, so EBUSY is retried for a short while. A directory someone else removes meanwhile
     * counts as removed: on a systemd host, stopping the machine scope trims it (with its payload)
     * in the hierarchies systemd manages while corral removes it in all of them. One failure
     * does not stop the rest; the first is reported.
     */
    public void remove() throws IOException {
        IOException first = null;
        List<Path> all = new ArrayList<>(dirs);
        if (unitDir != null) {
            all.add(unitDir);
        }
        for (Path d : all) {
            try {
                removeDirectory(d, BUSY_RETRIES);
            } catch (SyscallException e) {
                first = first != null ? first : new IOException("cannot remove cgroup " + d + ": " + e.getMessage(), e);
            }
        }
        if (first != null) {
            throw first;
        }
        for (Path p : emptyParents) {
            try {
                removeDirectory(p, 0); // no process of ours to wait for in a parent
            } catch (SyscallException e) {
                // still in use: systemd's own scope, or a scope a new start of the same name made
            }
        }
    }

    /** How often (5 ms apart) a busy directory of the container's own is tried again: about 1 s. */
    private static final int BUSY_RETRIES = 200;

    /** rmdir, retried while busy; gone already (ENOENT) or being removed (ENODEV) is success. */
    private static void removeDirectory(Path d, int busyRetries) throws SyscallException {
        for (int attempt = 0; ; attempt++) {
            try {
                Native.rmdir(d.toString());
                return;
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENODEV) {
                    return;
                }
                if (e.errno() != Errno.EBUSY || attempt >= busyRetries) {
                    throw e;
                }
                sleepQuietly();
            }
        }
    }

    /**
     * Gives the container's own directories, and the files directly in them, to a uid/gid (the
     * mapped root of a user namespace). Not recursive: the container makes the rest itself.
     */
    public void chown(long uid, long gid) throws IOException {
        for (Path d : dirs) {
            own(d, uid, gid);
            try (var files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (!Files.isDirectory(f)) {
                        own(f, uid, gid);
                    }
                }
            }
        }
    }

    private static void own(Path p, long uid, long gid) throws IOException {
        Files.setAttribute(p, "unix:uid", (int) uid);
        Files.setAttribute(p, "unix:gid", (int) gid);
    }

    /** For rollback paths that already report a first failure. */
    public void removeQuietly() {
        try {
            remove();
        } catch (IOException e) {
            // the original failure is what the caller reports
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
