package org.corral.sys;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Every native call corral makes from Java, in one place. Each method checks the return value
 * and throws {@link SyscallException} with the call, errno and argument: a raw -1 never escapes.
 *
 * <p>Bound with jnr-ffi, only the calls corral makes. jnr-posix offered spawning and signals,
 * but its factory binds its whole libc, each function generated as bytecode: 165 against 90 ms
 * for this class's first use in a fresh JVM, paid by the first start after every activation.
 */
public final class Native {

    /** The libc functions corral calls. */
    public interface LibC {
        int close(int fd);

        long write(int fd, @In byte[] buf, long len);

        int waitpid(int pid, @Out int[] status, int options);

        int kill(int pid, int signal);

        /** Returns the error number itself (not -1 and errno). argv and envp end with a null. */
        int posix_spawnp(@Out int[] pid, String file, Pointer fileActions, Pointer attr, @In String[] argv,
                @In String[] envp);

        int posix_spawn_file_actions_init(Pointer fileActions);

        int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

        int posix_spawn_file_actions_destroy(Pointer fileActions);

        int socketpair(int domain, int type, int protocol, @Out int[] fds);

        int pipe2(@Out int[] fds, int flags);

        int fcntl(int fd, int cmd, int arg);

        int open(String path, int flags, int mode);

        int rmdir(String path);

        int epoll_create1(int flags);

        int epoll_ctl(int epfd, int op, int fd, byte[] event);

        int epoll_wait(int epfd, @Out byte[] events, int maxevents, int timeout);

        int eventfd(int initval, int flags);

        long read(int fd, @Out byte[] buf, long len);

        int socket(int domain, int type, int protocol);

        long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

        long recv(int fd, @Out byte[] buf, long len, int flags);

        int syscall(long number, int cmd, Pointer attr, int size);
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int O_CLOEXEC = 02000000;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int MSG_PEEK = 0x2;
    private static final int MSG_DONTWAIT = 0x40;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_NOCTTY = 0400;

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    /** sizeof(posix_spawn_file_actions_t) is 80 in glibc on x86_64; room to spare. */
    private static final int SPAWN_FILE_ACTIONS_SIZE = 256;

    private Native() {
    }

    /**
     * Binds the native layer now (this class's initialization) rather than at its first use:
     * corrald does it once its bus name is taken, and the run that records the class archive
     * does it so that jnr-ffi's and ASM's classes come from the archive.
     */
    public static void bind() {
        // the class initializer did the work
    }

    /** A connected AF_UNIX stream socket pair, both ends close-on-exec. */
    public static int[] socketpair() throws SyscallException {
        int[] fds = new int[2];
        if (LIBC.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
            throw error("socketpair", "AF_UNIX");
        }
        return fds;
    }

    /** A netlink socket of the given protocol, close-on-exec. */
    public static int netlinkSocket(int protocol) throws SyscallException {
        int fd = LIBC.socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw error("socket", "AF_NETLINK, " + protocol);
        }
        return fd;
    }

    /** Sends one datagram to the kernel (netlink address pid 0). */
    public static void sendToKernel(int fd, byte[] message) throws SyscallException {
        byte[] kernel = new byte[12];
        kernel[0] = 16; // sockaddr_nl.nl_family = AF_NETLINK (little-endian), pid 0, groups 0
        if (LIBC.sendto(fd, message, message.length, 0, kernel, kernel.length) < 0) {
            throw error("sendto", "netlink");
        }
    }

    /** Receives one datagram without waiting; returns its length, or -1 when none is queued. */
    public static int receiveNow(int fd, byte[] buffer) throws SyscallException {
        long n = LIBC.recv(fd, buffer, buffer.length, MSG_DONTWAIT);
        if (n < 0) {
            if (errno() == Errno.EAGAIN) {
                return -1;
            }
            throw error("recv", "netlink");
        }
        return (int) n;
    }

    /** epoll(7), for the supervisor monitor: level-triggered readiness of many fds in O(1). */
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLERR = 0x008;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    /** struct epoll_event on x86_64: packed, a u32 of events and a u64 of data. */
    public static final int EPOLL_EVENT_SIZE = 12;

    public static int epollCreate() throws SyscallException {
        int fd = LIBC.epoll_create1(O_CLOEXEC);
        if (fd < 0) {
            throw error("epoll_create1", "");
        }
        return fd;
    }

    /** Watches {@code fd} for {@code events}; the events report {@code fd} itself as their data. */
    public static void epollAdd(int epfd, int fd, int events) throws SyscallException {
        if (LIBC.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, epollEvent(events, fd)) < 0) {
            throw error("epoll_ctl ADD", Integer.toString(fd));
        }
    }

    public static void epollDelete(int epfd, int fd) throws SyscallException {
        if (LIBC.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, epollEvent(0, fd)) < 0) {
            throw error("epoll_ctl DEL", Integer.toString(fd));
        }
    }

    /**
     * Waits for events (retrying EINTR); fills {@code events} ({@link #EPOLL_EVENT_SIZE} bytes
     * each; read them with {@link #epollEventFd}) and returns how many.
     */
    public static int epollWait(int epfd, byte[] events, int timeoutMillis) throws SyscallException {
        while (true) {
            int n = LIBC.epoll_wait(epfd, events, events.length / EPOLL_EVENT_SIZE, timeoutMillis);
            if (n >= 0) {
                return n;
            }
            if (errno() != Errno.EINTR) {
                throw error("epoll_wait", Integer.toString(epfd));
            }
        }
    }

    /** The fd of the {@code i}th event that {@link #epollWait} returned. */
    public static int epollEventFd(byte[] events, int i) {
        return (int) java.nio.ByteBuffer.wrap(events, i * EPOLL_EVENT_SIZE + 4, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The event flags (EPOLLIN, EPOLLRDHUP, EPOLLHUP...) of the {@code i}th event. */
    public static int epollEventFlags(byte[] events, int i) {
        return java.nio.ByteBuffer.wrap(events, i * EPOLL_EVENT_SIZE, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static byte[] epollEvent(int events, int fd) {
        return java.nio.ByteBuffer.allocate(EPOLL_EVENT_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt(events).putLong(fd).array();
    }

    /** A non-blocking, close-on-exec eventfd: a wake-up that epoll can watch. */
    public static int eventfd() throws SyscallException {
        int fd = LIBC.eventfd(0, O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            throw error("eventfd", "");
        }
        return fd;
    }

    /** Adds one to an eventfd's counter. */
    public static void signalEventfd(int fd) throws SyscallException {
        writeFully(fd, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1).array());
    }

    /** Resets an eventfd's counter (it is non-blocking: nothing to read is fine). */
    public static void drainEventfd(int fd) {
        LIBC.read(fd, new byte[8], 8);
    }

    /**
     * Whether the peer of a connected socket is still there and has said nothing (a recv that
     * would block); false on EOF, on data waiting, or on any error.
     */
    public static boolean quietPeer(int fd) {
        long n = LIBC.recv(fd, new byte[1], 1, MSG_DONTWAIT | MSG_PEEK);
        return n < 0 && errno() == Errno.EAGAIN;
    }

    private static final long SYS_BPF = 321; // x86_64
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int BPF_CGROUP_DEVICE = 6;
    private static final int BPF_F_ALLOW_MULTI = 2;

    /**
     * Loads a BPF_PROG_TYPE_CGROUP_DEVICE program (8-byte instructions) and returns its fd; the
     * verifier's log is in the exception when the kernel refuses it.
     */
    public static int bpfLoadDeviceProgram(byte[] instructions) throws SyscallException {
        // Without a verifier log: a kernel refuses a load whose log overflows its buffer
        // (ENOSPC on 6.1, found in the cgroup v2 tier), valid program or not.
        int fd = bpfProgLoad(instructions, null);
        if (fd >= 0) {
            return fd;
        }
        int errno = errno();
        // Only to explain the refusal: again, with room for the verifier's whole log.
        Pointer log = Memory.allocateDirect(RUNTIME, BPF_LOG_SIZE, true);
        int again = bpfProgLoad(instructions, log);
        if (again >= 0) {
            return again; // loaded after all
        }
        byte[] text = new byte[BPF_LOG_SIZE];
        log.get(0, text, 0, text.length);
        String verifier = new String(text, StandardCharsets.US_ASCII).replace("\0", "").strip();
        if (verifier.length() > BPF_LOG_SHOWN) {
            // The reason is at the end of the log.
            verifier = "..." + verifier.substring(verifier.length() - BPF_LOG_SHOWN);
        }
        throw new SyscallException("bpf(BPF_PROG_LOAD)", errno, "cgroup device program"
                + (verifier.isEmpty() ? "" : "; verifier: " + verifier));
    }

    private static final int BPF_LOG_SIZE = 1 << 20;
    private static final int BPF_LOG_SHOWN = 600;

    /** BPF_PROG_LOAD of a cgroup device program; {@code log} null for no verifier log. */
    private static int bpfProgLoad(byte[] instructions, Pointer log) {
        Runtime rt = RUNTIME;
        Pointer insns = Memory.allocateDirect(rt, instructions.length);
        insns.put(0, instructions, 0, instructions.length);
        byte[] license = "Apache-2.0\0".getBytes(StandardCharsets.US_ASCII);
        Pointer lic = Memory.allocateDirect(rt, license.length);
        lic.put(0, license, 0, license.length);
        // union bpf_attr, BPF_PROG_LOAD member (linux/bpf.h): the offsets below.
        Pointer attr = Memory.allocateDirect(rt, 128, true);
        attr.putInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);     // prog_type
        attr.putInt(4, instructions.length / 8);         // insn_cnt
        attr.putLong(8, insns.address());                // insns
        attr.putLong(16, lic.address());                 // license
        if (log != null) {
            attr.putInt(24, 1);                          // log_level
            attr.putInt(28, BPF_LOG_SIZE);               // log_size
            attr.putLong(32, log.address());             // log_buf
        }
        attr.putInt(68, BPF_CGROUP_DEVICE);              // expected_attach_type
        return LIBC.syscall(SYS_BPF, BPF_PROG_LOAD, attr, 128);
    }

    /** Attaches a device program to a cgroup v2 directory (open fd), next to any others. */
    public static void bpfAttachDeviceProgram(int cgroupFd, int programFd) throws SyscallException {
        Pointer attr = Memory.allocateDirect(RUNTIME, 128, true);
        attr.putInt(0, cgroupFd);          // target_fd
        attr.putInt(4, programFd);         // attach_bpf_fd
        attr.putInt(8, BPF_CGROUP_DEVICE); // attach_type
        attr.putInt(12, BPF_F_ALLOW_MULTI); // attach_flags
        if (LIBC.syscall(SYS_BPF, BPF_PROG_ATTACH, attr, 128) < 0) {
            throw error("bpf(BPF_PROG_ATTACH)", "cgroup fd " + cgroupFd);
        }
    }

    /** A pipe, both ends close-on-exec: [read, write]. */
    public static int[] pipe() throws SyscallException {
        int[] fds = new int[2];
        if (LIBC.pipe2(fds, O_CLOEXEC) < 0) {
            throw error("pipe2", "O_CLOEXEC");
        }
        return fds;
    }

    /** A close-on-exec duplicate of fd numbered at least {@code min}. */
    public static int dupAtLeast(int fd, int min) throws SyscallException {
        int copy = LIBC.fcntl(fd, F_DUPFD_CLOEXEC, min);
        if (copy < 0) {
            throw error("fcntl(F_DUPFD_CLOEXEC)", Integer.toString(fd));
        }
        return copy;
    }

    public static int open(String path, int flags, int mode) throws SyscallException {
        int fd = LIBC.open(path, flags | O_CLOEXEC, mode);
        if (fd < 0) {
            throw error("open", path);
        }
        return fd;
    }

    public static void close(int fd) throws SyscallException {
        if (LIBC.close(fd) < 0) {
            throw error("close", Integer.toString(fd));
        }
    }

    /** Removes an empty directory (a cgroup: its errno tells a busy one from a dying one). */
    public static void rmdir(String path) throws SyscallException {
        if (LIBC.rmdir(path) < 0) {
            throw error("rmdir", path);
        }
    }

    /** Closes and ignores errors: for clean-up paths that already report a first failure. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            LIBC.close(fd);
        }
    }

    public static void writeFully(int fd, byte[] data) throws SyscallException {
        int off = 0;
        while (off < data.length) {
            byte[] chunk = off == 0 ? data : java.util.Arrays.copyOfRange(data, off, data.length);
            long n = LIBC.write(fd, chunk, chunk.length);
            if (n < 0) {
                throw error("write", "fd " + fd);
            }
            off += (int) n;
        }
    }

    /**
     * Starts a program with posix_spawn. {@code fdMap[i]} becomes fd i in the child (-1 leaves it
     * closed); callers pass sources numbered above every target, so no dup2 clobbers a source.
     */
    public static int spawn(String path, List<String> argv, List<String> env, int[] fdMap) throws SyscallException {
        for (int source : fdMap) {
            if (source >= 0 && source <= fdMap.length) {
                throw new IllegalArgumentException("spawn source fd " + source + " is not above the targets");
            }
        }
        Pointer actions = Memory.allocateDirect(RUNTIME, SPAWN_FILE_ACTIONS_SIZE, true);
        int rc = LIBC.posix_spawn_file_actions_init(actions);
        if (rc != 0) {
            throw new SyscallException("posix_spawn_file_actions_init", rc, path);
        }
        try {
            for (int target = 0; target < fdMap.length; target++) {
                if (fdMap[target] >= 0) {
                    rc = LIBC.posix_spawn_file_actions_adddup2(actions, fdMap[target], target);
                    if (rc != 0) {
                        throw new SyscallException("posix_spawn_file_actions_adddup2", rc, fdMap[target] + " -> " + target);
                    }
                }
            }
            int[] pid = new int[1];
            rc = LIBC.posix_spawnp(pid, path, actions, null, nullTerminated(argv), nullTerminated(env));
            if (rc != 0) {
                throw new SyscallException("posix_spawn", rc, path);
            }
            return pid[0];
        } finally {
            LIBC.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static String[] nullTerminated(List<String> strings) {
        return strings.toArray(new String[strings.size() + 1]);
    }

    /** Waits for a child and returns its raw wait status. */
    public static int waitpid(int pid) throws SyscallException {
        int[] status = new int[1];
        while (LIBC.waitpid(pid, status, 0) < 0) {
            if (errno() != Errno.EINTR) {
                throw error("waitpid", Integer.toString(pid));
            }
        }
        return status[0];
    }

    public static void kill(int pid, int signal) throws SyscallException {
        if (pid <= 1) {
            // kill(0) and kill(-1) would hit the service's group or everything: never intended.
            throw new IllegalArgumentException("refusing to signal pid " + pid);
        }
        if (LIBC.kill(pid, signal) < 0) {
            throw error("kill", pid + ", " + signal);
        }
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static SyscallException error(String call, String arg) {
        return new SyscallException(call, errno(), arg);
    }

    /** The errno of this thread's last call through {@link #LIBC} (jnr-ffi saves it after each). */
    private static int errno() {
        return LastError.getLastError(RUNTIME);
    }
}
