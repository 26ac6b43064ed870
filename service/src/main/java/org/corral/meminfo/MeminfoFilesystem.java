package org.corral.meminfo;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jnr.ffi.Pointer;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * The FUSE tree: /.alive (the server's pid, for health checks), and /NAME/meminfo for every
 * running container. Mounted with direct_io, so every read(2) reaches {@link #read} with the
 * caller's own offset and size, and nothing is served from the page cache.
 *
 * <p>Content is computed when a read starts at offset 0 and kept per open file for reads at
 * later offsets, so a reader taking the file in pieces sees one consistent snapshot, while
 * top/free, which keep the file open and pread from 0 at each refresh, see fresh numbers (as
 * seq_file does for the real /proc/meminfo).
 */
final class MeminfoFilesystem extends FuseStubFS {

    static final String ALIVE = ".alive";
    static final String FILE = "meminfo";

    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;

    private final MeminfoSource source;
    private final byte[] alive;
    private final long startSeconds = System.currentTimeMillis() / 1000;
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final Map<Long, byte[]> snapshots = new ConcurrentHashMap<>();
    /** Names already logged as falling back to host values; logged once each. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    MeminfoFilesystem(MeminfoSource source) {
        this.source = source;
        this.alive = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    protected String getFSName() {
        return "corral-meminfo";
    }

    /** "/a/b" -> ["a", "b"]; "/" -> []. */
    private static String[] split(String path) {
        String p = path.replaceAll("^/+|/+$", "");
        return p.isEmpty() ? new String[0] : p.split("/+");
    }

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            String[] parts = split(path);
            stat.st_uid.set(0);
            stat.st_gid.set(0);
            stat.st_mtim.tv_sec.set(startSeconds);
            stat.st_ctim.tv_sec.set(startSeconds);
            stat.st_atim.tv_sec.set(startSeconds);
            if (parts.length == 0) {
                stat.st_mode.set(FileStat.S_IFDIR | 0555);
                stat.st_nlink.set(2);
                return 0;
            }
            if (parts.length == 1 && parts[0].equals(ALIVE)) {
                stat.st_mode.set(FileStat.S_IFREG | 0444);
                stat.st_nlink.set(1);
                stat.st_size.set(alive.length);
                return 0;
            }
            if (parts.length == 1 && source.runs(parts[0])) {
                stat.st_mode.set(FileStat.S_IFDIR | 0555);
                stat.st_nlink.set(2);
                return 0;
            }
            if (parts.length == 2 && parts[1].equals(FILE)) {
                // Every container start looks this up (its bind mount), so one read of the state
                // file serves the size and the owner.
                MeminfoSource.Entry c = source.entry(parts[0]);
                if (c != null) {
                    long[] owner = source.rootOwner(c);
                    stat.st_uid.set(owner[0]);
                    stat.st_gid.set(owner[1]);
                    stat.st_mode.set(FileStat.S_IFREG | 0444);
                    stat.st_nlink.set(1);
                    // Not 0 as procfs says: sendfile(2) (busybox cat) goes through the page
                    // cache, up to this size, even with direct_io. Not the text either, whose
                    // cgroup files would be read at every start's bind mount: a bound that is
                    // the text's length on most hosts, and past which a read ends short (the
                    // kernel then lowers the size it caches to what the read gave).
                    stat.st_size.set(source.sizeBound());
                    return 0;
                }
            }
            return -ErrorCodes.ENOENT();
        } catch (Exception e) {
            Main.log("getattr " + path + ": " + e);
            return -ErrorCodes.EIO();
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        try {
            String[] parts = split(path);
            if (parts.length == 0) {
                filter.apply(buf, ".", null, 0);
                filter.apply(buf, "..", null, 0);
                filter.apply(buf, ALIVE, null, 0);
                for (String name : source.names()) {
                    filter.apply(buf, name, null, 0);
                }
                return 0;
            }
            if (parts.length == 1 && source.cgroupDir(parts[0]) != null) {
                filter.apply(buf, ".", null, 0);
                filter.apply(buf, "..", null, 0);
                filter.apply(buf, FILE, null, 0);
                return 0;
            }
            return -ErrorCodes.ENOENT();
        } catch (Exception e) {
            Main.log("readdir " + path + ": " + e);
            return -ErrorCodes.EIO();
        }
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            String[] parts = split(path);
            boolean known = parts.length == 1 && parts[0].equals(ALIVE)
                    || parts.length == 2 && parts[1].equals(FILE) && source.cgroupDir(parts[0]) != null;
            if (!known) {
                return -ErrorCodes.ENOENT();
            }
            if ((fi.flags.get() & O_ACCMODE) != O_RDONLY) {
                return -ErrorCodes.EACCES();
            }
            fi.fh.set(nextHandle.getAndIncrement());
            return 0;
        } catch (Exception e) {
            Main.log("open " + path + ": " + e);
            return -ErrorCodes.EIO();
        }
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        try {
            String[] parts = split(path);
            byte[] content;
            if (parts.length == 1 && parts[0].equals(ALIVE)) {
                content = alive;
            } else if (parts.length == 2 && parts[1].equals(FILE)) {
                long fh = fi.fh.get();
                content = offset == 0 ? null : snapshots.get(fh);
                if (content == null) {
                    content = meminfo(parts[0]);
                    if (content == null) {
                        return -ErrorCodes.ENOENT();
                    }
                    snapshots.put(fh, content);
                }
            } else {
                return -ErrorCodes.ENOENT();
            }
            if (offset < 0 || offset >= content.length) {
                return 0;
            }
            int n = (int) Math.min(size, content.length - offset);
            buf.put(0, content, (int) offset, n);
            return n;
        } catch (Exception e) {
            Main.log("read " + path + ": " + e);
            return -ErrorCodes.EIO();
        }
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        snapshots.remove(fi.fh.get());
        return 0;
    }

    private byte[] meminfo(String name) throws java.io.IOException {
        byte[] content = source.meminfo(name);
        if (content != null && !source.usageReadable(name)) {
            if (warned.add(name)) {
                Main.log(name + ": memory usage of its cgroup is unreadable; serving the host's values");
            }
        } else {
            warned.remove(name);
        }
        return content;
    }
}
