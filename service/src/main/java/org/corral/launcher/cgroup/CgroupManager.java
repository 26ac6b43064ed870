package org.corral.launcher.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/**
 * Creates container cgroups and writes their limits, on cgroup v1 (including hybrid hosts) and
 * v2. corral never mounts cgroupfs: it uses what the init system mounted, and fails with a clear
 * message when a controller it needs is missing.
 */
public final class CgroupManager {

    /** Controllers a container cannot do without (libvirt requires the same). */
    static final List<String> REQUIRED_V1 = List.of("cpuacct", "memory", "devices");
    static final String SUFFIX = ".corral";
    /** The child of a systemd machine scope that holds a container's processes and limits. */
    public static final String PAYLOAD = "payload";

    private final CgroupLayout layout;

    public CgroupManager(CgroupLayout layout) {
        this.layout = layout;
    }

    public CgroupLayout layout() {
        return layout;
    }

    /** The relative path of a container's cgroup: partition + "/" + name + ".corral". */
    public static String relativePath(String partition, String name) {
        return (partition.endsWith("/") ? partition : partition + "/") + name + SUFFIX;
    }

    /** The cgroup a container had (for clean-up after a restart); the directories may be gone. */
    public ContainerCgroup existing(String relativePath) {
        String last = relativePath.substring(relativePath.lastIndexOf('/') + 1);
        if (last.equals(PAYLOAD)) {
            return payloadOf(relativePath.substring(0, relativePath.lastIndexOf('/')));
        }
        Path unit = last.endsWith(SUFFIX) ? unitDirFor(last.substring(0, last.length() - SUFFIX.length())) : null;
        return new ContainerCgroup(relativePath, dirsFor(relativePath), layout.isUnified(),
                unit != null && Files.isDirectory(unit) ? unit : null);
    }

    /** The payload cgroup of a machine scope (made later by {@link #createPayload}). */
    public ContainerCgroup payloadOf(String scope) {
        String rel = scope + "/" + PAYLOAD;
        return new ContainerCgroup(rel, dirsFor(rel), layout.isUnified(), null, scopeDirsOf(scope));
    }

    /**
     * A scope's directories in the v1 hierarchies: corral made them where systemd does not manage
     * the controller (freezer, cpuset), and systemd leaves some of its own behind (cpuacct mounted
     * on its own, measured in the systemd tier). Removing an empty one is harmless either way:
     * systemd tracks the scope in its own hierarchy. On v2 the scope is systemd's alone.
     */
    private List<Path> scopeDirsOf(String scope) {
        if (layout.isUnified()) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        for (Path h : layout.v1Hierarchies()) {
            out.add(h.resolve(scope.substring(1)));
        }
        return out;
    }

    /**
     * Makes the payload cgroup below a machine scope systemd has just made, moves init (waiting to
     * be released) into it and writes the limits. On v2 init must leave the scope before the
     * scope may enable controllers for its children (no processes in inner cgroups).
     */
    public ContainerCgroup createPayload(String scope, int initPid, CgroupLimits limits) throws CorralException {
        checkControllers();
        ContainerCgroup cg = payloadOf(scope);
        try {
            for (Path dir : cg.directories()) {
                // systemd makes the scope only in the hierarchies it manages (not freezer, cpuset...).
                makeDirectories(hierarchyRootOf(dir, cg.relativePath()), cg.relativePath(), false);
            }
            for (Path procs : cg.procsFiles()) {
                write(procs, Integer.toString(initPid));
            }
            if (layout.isUnified()) {
                V2Limits.enableControllers(cg.directories().get(0).getParent(), layout.v2Controllers());
                V2Limits.apply(cg.directories().get(0), limits);
            } else {
                V1Limits.apply(layout, cg.relativePath(), limits);
            }
            return cg;
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot set up cgroup " + cg.relativePath() + " in machine scope "
                    + scope + ": " + e.getMessage(), e);
        }
    }

    /**
     * On a hybrid host (v1 controllers, a cgroup2 mount without them) machined finds a process's
     * unit in the unified hierarchy only: there init also joins machine.slice/corral-NAME.scope
     * (systemd's unit name escaping), so that RegisterMachine works without systemd. Null elsewhere.
     */
    Path unitDirFor(String name) {
        if (layout.isUnified() || layout.v2() == null) {
            return null;
        }
        return layout.v2().resolve("machine.slice").resolve("corral-" + unitNameEscape(name) + ".scope");
    }

    /** systemd's unit_name_escape: [A-Za-z0-9:_.] stay (but a leading '.'), anything else is \xNN. */
    public static String unitNameEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':'
                    || c == '_' || (c == '.' && i > 0);
            b.append(keep ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.toString();
    }

    /** Makes the unit directory of {@link #unitDirFor}; a host where that fails only loses machined. */
    private Path makeUnitDir(String name) {
        Path unit = unitDirFor(name);
        if (unit == null) {
            return null;
        }
        try {
            Files.createDirectories(unit.getParent());
            try {
                Files.createDirectory(unit);
            } catch (FileAlreadyExistsException e) {
                if (!readOrEmpty(unit.resolve("cgroup.procs")).isBlank()) {
                    return null; // a live leftover: never mix two containers in one unit
                }
            }
            return unit;
        } catch (IOException e) {
            org.apache.logging.log4j.LogManager.getLogger(CgroupManager.class)
                    .warn("cannot create {} (machined registration needs it): {}", unit, e.getMessage());
            return null;
        }
    }

    public ContainerCgroup create(String partition, String name, CgroupLimits limits) throws CorralException {
        ContainerCgroup cg = prepare(partition, name);
        try {
            complete(cg, partition, limits);
            return cg;
        } catch (CorralException | RuntimeException e) {
            removePrepared(cg);
            throw e;
        }
    }

    /**
     * The first half of {@link #create}: the container's cgroup with only the directory init is
     * created in made (cgroup2: the container's own; on a hybrid host the unit directory of
     * {@link #unitDirFor}, when it can be made). {@link #complete} makes the rest, with the
     * limits, while init sets up its namespaces.
     */
    public ContainerCgroup prepare(String partition, String name) throws CorralException {
        checkControllers();
        String rel = relativePath(partition, name);
        List<Path> dirs = dirsFor(rel);
        if (layout.isUnified()) {
            try {
                makeContainerDir(dirs.get(0), rel, partition);
            } catch (IOException e) {
                throw new CorralException(Kind.FAILED, "cannot set up cgroup " + rel + ": " + e.getMessage(), e);
            }
            return new ContainerCgroup(rel, dirs, true);
        }
        Path unit = makeUnitDir(name);
        return unit == null ? new ContainerCgroup(rel, dirs, false) : new ContainerCgroup(rel, dirs, false, unit);
    }

    /** The second half of {@link #create}; on failure what it made is removed, what {@link #prepare} made is not. */
    public void complete(ContainerCgroup cg, String partition, CgroupLimits limits) throws CorralException {
        String rel = cg.relativePath();
        List<Path> made = new ArrayList<>();
        try {
            if (layout.isUnified()) {
                V2Limits.apply(cg.directories().get(0), limits);
                return;
            }
            for (Path dir : cg.directories()) {
                makeContainerDir(dir, rel, partition);
                made.add(dir);
            }
            V1Limits.apply(layout, rel, limits);
        } catch (IOException e) {
            new ContainerCgroup(rel, made, false).removeQuietly();
            throw new CorralException(Kind.FAILED, "cannot set up cgroup " + rel + ": " + e.getMessage(), e);
        } catch (CorralException | RuntimeException e) {
            new ContainerCgroup(rel, made, false).removeQuietly();
            throw e;
        }
    }

    /** Removes what {@link #prepare} made, for a start that fails before {@link #complete}. */
    public void removePrepared(ContainerCgroup cg) {
        if (layout.isUnified()) {
            cg.removeQuietly();
        } else {
            cg.unitDirectory().ifPresent(unit -> new ContainerCgroup(cg.relativePath(), List.of(), false, unit)
                    .removeQuietly());
        }
    }

    /** One hierarchy's directory of the container, below its partition; a leftover is reused only when empty. */
    private void makeContainerDir(Path dir, String rel, String partition) throws IOException, CorralException {
        Path root = hierarchyRootOf(dir, rel);
        ensureParents(root, partition);
        boolean fresh = true;
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            // A leftover of a crash: reuse it only if it is empty.
            if (!readOrEmpty(dir.resolve("cgroup.procs")).isBlank()) {
                throw new CorralException(Kind.FAILED, "cgroup " + dir + " exists and still has processes");
            }
            fresh = false;
        }
        if (isCpuset(root) && !(fresh && cpusetParentsThatClone.contains(dir.getParent()))) {
            inheritCpuset(dir);
        }
    }

    private void checkControllers() throws CorralException {
        TreeSet<String> missing = new TreeSet<>();
        if (layout.isUnified()) {
            for (String c : List.of("memory", "cpu")) {
                if (!layout.v2Controllers().contains(c)) {
                    missing.add(c);
                }
            }
        } else {
            for (String c : REQUIRED_V1) {
                if (!layout.v1().containsKey(c)) {
                    missing.add(c);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new CorralException(Kind.FAILED, "the host lacks the cgroup controller(s) " + String.join(", ", missing)
                    + " that containers need (" + layout + "); corral does not mount cgroupfs itself");
        }
    }

    private List<Path> dirsFor(String rel) {
        List<Path> out = new ArrayList<>();
        String stripped = rel.startsWith("/") ? rel.substring(1) : rel;
        if (layout.isUnified()) {
            out.add(layout.v2().resolve(stripped));
        } else {
            for (Path h : layout.v1Hierarchies()) {
                out.add(h.resolve(stripped));
            }
        }
        return out;
    }

    private static Path hierarchyRootOf(Path dir, String rel) {
        Path p = dir;
        for (String ignored : rel.substring(1).split("/")) {
            p = p.getParent();
        }
        return p;
    }

    /** Creates the partition (say /machine) below a hierarchy root, with v2 delegation. */
    private void ensureParents(Path root, String partition) throws IOException {
        Path p = makeDirectories(root, partition, layout.isUnified());
        if (layout.isUnified()) {
            V2Limits.enableControllers(p, layout.v2Controllers());
        }
    }

    /**
     * Makes each missing directory of {@code relative} (say /machine.slice/machine-web.scope)
     * below a hierarchy root and returns the last. In the v1 cpuset hierarchy every level gets its
     * parent's cpus and mems where it has none (also a level a concurrent start has just made). With
     * {@code delegate} (v2) each level first enables its controllers for the next.
     */
    private Path makeDirectories(Path root, String relative, boolean delegate) throws IOException {
        Path p = root;
        for (String part : relative.substring(1).split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (delegate) {
                V2Limits.enableControllers(p, layout.v2Controllers());
            }
            p = p.resolve(part);
            if (!Files.isDirectory(p)) {
                try {
                    Files.createDirectory(p);
                } catch (FileAlreadyExistsException e) {
                    // made concurrently: fine
                }
            }
            if (isCpuset(root)) {
                inheritCpuset(p);
                cloneCpusetToChildren(p);
            }
        }
        return p;
    }

    /** Partition directories of the v1 cpuset hierarchy known to have cgroup.clone_children set. */
    private final Set<Path> cpusetParentsThatClone = ConcurrentHashMap.newKeySet();

    /**
     * A new v1 cpuset group starts with no cpus and mems, and takes no tasks until they are
     * filled in. Writing them cost 158 us of a start with no container running and 498 us beside
     * 1000 (traced; the kernel checks the new values against every sibling). With
     * cgroup.clone_children set on the partition, as systemd sets it on the cpuset root, the
     * kernel copies the parent's values when it makes the group, and groups made below the
     * partition inherit the flag.
     */
    private void cloneCpusetToChildren(Path dir) throws IOException {
        if (cpusetParentsThatClone.contains(dir)) {
            return;
        }
        Path flag = dir.resolve("cgroup.clone_children");
        if (!readOrEmpty(flag).trim().equals("1")) {
            Files.writeString(flag, "1");
        }
        cpusetParentsThatClone.add(dir);
    }

    private boolean isCpuset(Path root) {
        return !layout.isUnified() && root.equals(layout.v1().get("cpuset"));
    }

    /** A new v1 cpuset group starts empty and takes no tasks until cpus and mems are filled. */
    private static void inheritCpuset(Path dir) throws IOException {
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            if (readOrEmpty(dir.resolve(f)).isBlank()) {
                Files.writeString(dir.resolve(f), readOrEmpty(dir.getParent().resolve(f)).trim());
            }
        }
    }

    static String readOrEmpty(Path f) throws IOException {
        try {
            return Files.readString(f);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    /**
     * Writes each value with a write(2) of its own through one open file: the kernel takes a
     * cgroup file's values one write at a time (devices.allow: one rule each), and a start
     * writes about ten rules.
     */
    static void writeEach(Path file, List<String> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (String value : values) {
                ByteBuffer b = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
                try {
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                } catch (IOException e) {
                    throw new IOException("writing '" + value + "' to " + file + ": " + e.getMessage(), e);
                }
            }
        }
    }

    static void write(Path file, String value) throws IOException {
        writeEach(file, List.of(value));
    }

    static Map<String, Path> v1(CgroupLayout layout) {
        return layout.v1();
    }
}
