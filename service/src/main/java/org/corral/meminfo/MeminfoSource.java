package org.corral.meminfo;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.corral.launcher.cgroup.CgroupLayout;

/**
 * Which containers run and what their /proc/meminfo says, read afresh at each call: the names are
 * the NAME.state files of the runtime directory (LiveState, key "cgroup"), the numbers come from
 * the memory controller of that cgroup wherever this host mounts it.
 */
final class MeminfoSource {

    private static final String STATE_SUFFIX = ".state";

    private final Path runtimeDir;
    private final Path hostMeminfo;
    /** Root of the hierarchy holding the memory controller, null when the host has none. */
    private final Path memoryRoot;
    private final MeminfoFormatter.Version version;

    MeminfoSource(Path runtimeDir, CgroupLayout layout, Path hostMeminfo) {
        this.runtimeDir = runtimeDir;
        this.hostMeminfo = hostMeminfo;
        Path v1 = layout.v1().get("memory");
        if (v1 != null) {
            memoryRoot = v1;
            version = MeminfoFormatter.Version.V1;
        } else if (layout.v2() != null && layout.v2Controllers().contains("memory")) {
            memoryRoot = layout.v2();
            version = MeminfoFormatter.Version.V2;
        } else {
            memoryRoot = null;
            version = null;
        }
    }

    String describe() {
        return memoryRoot == null ? "no memory controller (host values only)"
                : "memory controller " + version + " at " + memoryRoot;
    }

    /** Names of the containers with a state file, in directory order. */
    List<String> names() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(runtimeDir, "*" + STATE_SUFFIX)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                String name = f.substring(0, f.length() - STATE_SUFFIX.length());
                if (validName(name)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    static boolean validName(String name) {
        return !name.isEmpty() && !name.startsWith(".") && name.indexOf('/') < 0;
    }

    /** A running container as its state file tells: its memory cgroup and init's PID (0 until known). */
    record Entry(Path cgroupDir, String initPid) {
    }

    /** The container called {@code name}, from one read of its state file; null: no such container. */
    Entry entry(String name) throws IOException {
        if (!validName(name)) {
            return null;
        }
        Path state = runtimeDir.resolve(name + STATE_SUFFIX);
        String text;
        try {
            text = Files.readString(state, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        Properties p = new Properties();
        p.load(new StringReader(text));
        String cgroup = p.getProperty("cgroup");
        if (cgroup == null || cgroup.isBlank()) {
            return null;
        }
        int from = 0;
        while (from < cgroup.length() && cgroup.charAt(from) == '/') {
            from++;
        }
        String rel = cgroup.substring(from);
        for (String part : rel.split("/")) {
            if (part.equals("..")) {
                throw new IOException(state + ": cgroup path leaves the hierarchy: " + cgroup);
            }
        }
        return new Entry(memoryRoot == null ? Path.of("/nonexistent-memory-cgroup") : memoryRoot.resolve(rel),
                p.getProperty("initPid", "0"));
    }

    /** Whether a container of that name runs (its state file exists): one stat(2), for lookups. */
    boolean runs(String name) {
        return validName(name) && Files.isRegularFile(runtimeDir.resolve(name + STATE_SUFFIX));
    }

    /** The cgroup directory of the container's memory controller; null: no such container. */
    Path cgroupDir(String name) throws IOException {
        Entry c = entry(name);
        return c == null ? null : c.cgroupDir();
    }

    /**
     * The host uid and gid of the container's root ({uid, gid}): the file belongs to the mapped
     * root in a container with a user namespace, as everything corral makes for it. Read from
     * init's uid_map/gid_map; 0 without a user namespace or while init is not known yet.
     */
    long[] rootOwner(Entry c) {
        if (c.initPid().equals("0")) {
            return new long[] {0, 0};
        }
        try {
            return new long[] {hostIdOfRoot(Path.of("/proc", c.initPid(), "uid_map")),
                    hostIdOfRoot(Path.of("/proc", c.initPid(), "gid_map"))};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** The outside id of inside id 0 in a uid_map/gid_map ("inside outside count" lines). */
    static long hostIdOfRoot(Path map) throws IOException {
        for (String line : Files.readAllLines(map)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && Long.parseLong(f[0]) == 0) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
    }

    /** The container's meminfo, or null when no container of that name runs. */
    byte[] meminfo(String name) throws IOException {
        Entry c = entry(name);
        return c == null ? null : meminfo(c);
    }

    /** What the file's {@code st_size} says: see {@link MeminfoFormatter#sizeBound}. */
    long sizeBound() throws IOException {
        String host = Files.readString(hostMeminfo, StandardCharsets.US_ASCII);
        return version == null ? host.length() : MeminfoFormatter.sizeBound(host);
    }

    /** The meminfo of a container found by {@link #entry}. */
    byte[] meminfo(Entry c) throws IOException {
        Path dir = c.cgroupDir();
        String host = Files.readString(hostMeminfo, StandardCharsets.US_ASCII);
        if (version == null) {
            return host.getBytes(StandardCharsets.US_ASCII);
        }
        Map<String, String> files = new HashMap<>();
        for (String f : MeminfoFormatter.files(version)) {
            try {
                files.put(f, Files.readString(dir.resolve(f), StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // unreadable: the formatter falls back for this value
            }
        }
        return MeminfoFormatter.format(host, version, files).getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether meminfo(name) would fall back to the host's text because usage is unreadable. */
    boolean usageReadable(String name) throws IOException {
        Path dir = cgroupDir(name);
        return dir != null && version != null
                && Files.isReadable(dir.resolve(version == MeminfoFormatter.Version.V1
                        ? "memory.usage_in_bytes" : "memory.current"));
    }
}
