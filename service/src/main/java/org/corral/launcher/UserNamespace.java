package org.corral.launcher;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.corral.config.model.Idmap;
import org.corral.config.model.IdmapEntry;

/**
 * {@code <idmap>}: the container's user namespace. What its maps mean (host id of a container id),
 * the checks libvirt makes at start, and writing the maps from the host while init waits at the
 * supervisor's pause.
 *
 * <p>No {@code deny} is written to {@code /proc/PID/setgroups}: the kernel asks for it only from a
 * writer without CAP_SETGID over the parent namespace, and corrald is the host's root. libvirt
 * writes the two maps and nothing else, and the container keeps setgroups(2), which su, login
 * and sshd need.
 */
public final class UserNamespace {

    /** The kernel takes a map in one write of at most a page; libvirt's limit. */
    public static final int MAX_ENTRIES = 340;
    /** Group of /dev/pts ptys inside the container (devpts {@code gid=5}, "tty"). */
    static final long TTY_GID = 5;

    private UserNamespace() {
    }

    /** The host id of container id {@code inner}, or -1 when the map does not cover it. */
    public static long hostId(List<IdmapEntry> map, long inner) {
        for (IdmapEntry e : map) {
            if (inner >= e.getStart() && inner - e.getStart() < e.getCount()) {
                return e.getTarget() + (inner - e.getStart());
            }
        }
        return -1;
    }

    /** The host uid of the container's root. */
    public static long rootUid(Idmap idmap) {
        return hostId(idmap.getUids(), 0);
    }

    public static long rootGid(Idmap idmap) {
        return hostId(idmap.getGids(), 0);
    }

    /** A map as /proc/PID/uid_map takes it: "inside outside count" lines. */
    static String mapText(List<IdmapEntry> map) {
        StringBuilder b = new StringBuilder();
        for (IdmapEntry e : map) {
            b.append(e.getStart()).append(' ').append(e.getTarget()).append(' ').append(e.getCount()).append('\n');
        }
        return b.toString();
    }

    /** What is wrong with the maps for a start (null: nothing): libvirt's start checks and the kernel's. */
    static String problem(Idmap idmap) {
        if (idmap.getUids().isEmpty() || idmap.getGids().isEmpty()) {
            return "<idmap> needs both <uid> and <gid> maps";
        }
        for (String kind : List.of("uid", "gid")) {
            List<IdmapEntry> map = kind.equals("uid") ? idmap.getUids() : idmap.getGids();
            if (map.size() > MAX_ENTRIES) {
                return "<idmap> has " + map.size() + " <" + kind + "> entries; at most " + MAX_ENTRIES;
            }
            if (hostId(map, 0) < 0) {
                return "<idmap> must map the container's root: no <" + kind + "> entry with start='0'";
            }
            for (int i = 0; i < map.size(); i++) {
                IdmapEntry a = map.get(i);
                if (a.getStart() + a.getCount() > 4294967295L || a.getTarget() + a.getCount() > 4294967295L) {
                    return "<idmap> <" + kind + " start='" + a.getStart() + "' target='" + a.getTarget() + "' count='"
                            + a.getCount() + "'/> goes past id 4294967294";
                }
                for (int j = 0; j < i; j++) {
                    IdmapEntry b = map.get(j);
                    if (overlap(a.getStart(), b.getStart(), a.getCount(), b.getCount())
                            || overlap(a.getTarget(), b.getTarget(), a.getCount(), b.getCount())) {
                        return "<idmap> <" + kind + "> entries " + (j + 1) + " and " + (i + 1) + " overlap";
                    }
                }
            }
        }
        return null;
    }

    private static boolean overlap(long a, long b, long countA, long countB) {
        return a < b + countB && b < a + countA;
    }

    /**
     * Writes init's maps from the host (uid_map, then gid_map; each in one write, as the kernel
     * requires). Done while the supervisor pauses after clone, before init runs a step.
     */
    public static void writeMaps(int initPid, Idmap idmap) throws IOException {
        write(Path.of("/proc", Integer.toString(initPid), "uid_map"), mapText(idmap.getUids()));
        write(Path.of("/proc", Integer.toString(initPid), "gid_map"), mapText(idmap.getGids()));
    }

    private static void write(Path file, String text) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (ch.write(buf) != buf.limit()) {
                throw new IOException("short write to " + file);
            }
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The owner uid of a host directory, or -1 when it cannot be read. */
    public static long owner(Path dir) {
        try {
            return ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Whether a host directory is to be shown through an idmapped mount: unless it already belongs
     * to the container's root on the host (a root chowned for libvirt: idmapping it would turn its
     * files into the overflow id).
     */
    static boolean needsIdmap(long owner, Idmap idmap) {
        return owner != rootUid(idmap);
    }

    /** The error when the kernel or filesystem refuses to idmap the root and it is not chowned. */
    static String ownershipRefusal(String root, long owner, Idmap idmap) {
        return "root " + root + " is owned by uid " + owner + ", but the container's root is uid " + rootUid(idmap)
                + " on the host: chown it, or use a filesystem that supports idmapped mounts";
    }

    /**
     * The directories above the root that the container's root could not search (null: none). Init
     * runs its steps as that id from the start and reaches the root by its host path.
     */
    static String unsearchableParent(Path root, Idmap idmap) {
        long uid = rootUid(idmap);
        long gid = rootGid(idmap);
        List<Path> parents = new ArrayList<>();
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            return null; // checkSources reports a missing root
        }
        for (Path p = real.getParent(); p != null; p = p.getParent()) {
            parents.add(p);
        }
        for (Path p : parents) {
            try {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                long u = ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
                long g = ((Number) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue();
                boolean searchable = u == uid ? (mode & 0100) != 0 : g == gid ? (mode & 010) != 0 : (mode & 01) != 0;
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !searchable) {
                    return "root " + root + " is below " + p + " (mode " + String.format("%04o", mode & 07777) + ", uid " + u
                            + "), which the container's root (uid " + uid + " on the host) cannot search: chmod o+x " + p;
                }
            } catch (IOException | RuntimeException e) {
                return null; // checkSources reports a missing root
            }
        }
        return null;
    }
}
