package org.corral.launcher;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;

import org.corral.sys.Native;
import org.corral.sys.SyscallException;

/**
 * The sysvinit way to ask an init for a runlevel: a 384-byte request written into its
 * /run/initctl or /dev/initctl FIFO. Reached from the host through /proc/PID/root, so no
 * namespace has to be entered; a FIFO that is the host's own (a container sharing the host's
 * /run) is never used.
 */
final class Initctl {

    private static final int MAGIC = 0x03091969;
    private static final int CMD_RUNLVL = 1;
    private static final int REQUEST_SIZE = 384;

    private Initctl() {
    }

    /** Returns true when a request was delivered, false when the container has no initctl. */
    static boolean requestRunlevel(int initPid, char runlevel) throws IOException {
        for (String candidate : new String[] {"/run/initctl", "/dev/initctl"}) {
            Path inside = Path.of("/proc/" + initPid + "/root" + candidate);
            if (!isFifo(inside) || sameFile(inside, Path.of(candidate))) {
                continue;
            }
            int fd;
            try {
                fd = Native.open(inside.toString(), Native.O_WRONLY | Native.O_NONBLOCK | Native.O_NOCTTY, 0);
            } catch (SyscallException e) {
                continue; // no reader on the FIFO (ENXIO): this init does not listen there
            }
            try {
                Native.writeFully(fd, request(runlevel));
                return true;
            } finally {
                Native.closeQuietly(fd);
            }
        }
        return false;
    }

    static byte[] request(char runlevel) {
        ByteBuffer b = ByteBuffer.allocate(REQUEST_SIZE).order(ByteOrder.nativeOrder());
        b.putInt(MAGIC).putInt(CMD_RUNLVL).putInt(runlevel).putInt(0);
        return b.array();
    }

    private static boolean isFifo(Path p) {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            Object ka = Files.readAttributes(a, BasicFileAttributes.class).fileKey();
            Object kb = Files.readAttributes(b, BasicFileAttributes.class).fileKey();
            return ka != null && ka.equals(kb);
        } catch (IOException e) {
            return false;
        }
    }
}
