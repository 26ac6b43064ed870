package org.corral.audit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.sys.Native;
import org.corral.sys.SyscallException;

/**
 * Writes virtualization audit records to the kernel (NETLINK_AUDIT), as libvirt does through
 * libaudit: the same record types and fields, so ausearch -m VIRT_CONTROL finds corral's
 * containers as it finds libvirt's. Records go out from the host side (the kernel refuses them
 * from inside a user namespace). When audit is unavailable or the service lacks
 * CAP_AUDIT_WRITE, callers see nothing and the log says so once.
 */
public final class AuditLog {

    private static final Logger LOG = LogManager.getLogger(AuditLog.class);

    public static final int VIRT_CONTROL = 2500;
    public static final int VIRT_RESOURCE = 2501;
    public static final int VIRT_MACHINE_ID = 2502;

    private static final int NETLINK_AUDIT = 9;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    private static final int NLMSG_ERROR = 2;

    private final String exe;
    private final AtomicInteger sequence = new AtomicInteger();
    private final AtomicBoolean warned = new AtomicBoolean();
    /**
     * One netlink socket for every record (a start writes about eight), opened at the first;
     * the kernel handles a record in sendto(2) and queues its ack before that returns.
     */
    private int fd = -1;

    public AuditLog() {
        this.exe = executable();
    }

    /** Sends one record; "res=success|failed" and the process fields are appended here. */
    public synchronized void record(int type, String fields, boolean success) {
        String text = fields + " exe=" + encode(exe) + " hostname=? addr=? terminal=? res=" + (success ? "success" : "failed");
        try {
            if (fd < 0) {
                fd = Native.netlinkSocket(NETLINK_AUDIT);
            }
            Native.sendToKernel(fd, message(type, text, sequence.incrementAndGet()));
            byte[] ack = new byte[64];
            int n = Native.receiveNow(fd, ack);
            if (n >= 20) {
                ByteBuffer b = ByteBuffer.wrap(ack).order(ByteOrder.nativeOrder());
                if (b.getShort(4) == NLMSG_ERROR && b.getInt(16) != 0) {
                    throw new SyscallException("audit", -b.getInt(16), "record type " + type);
                }
            }
        } catch (SyscallException e) {
            // A fresh socket for the next record: audit may come back (auditd restarted).
            Native.closeQuietly(fd);
            fd = -1;
            if (warned.compareAndSet(false, true)) {
                LOG.warn("audit records are not written ({}); containers run as before", e.getMessage());
            }
        }
    }

    static byte[] message(int type, String text, int seq) {
        byte[] payload = (text + "\0").getBytes(StandardCharsets.UTF_8);
        int len = 16 + payload.length;
        ByteBuffer b = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) type).putShort((short) (NLM_F_REQUEST | NLM_F_ACK)).putInt(seq).putInt(0);
        b.put(payload);
        return b.array();
    }

    /**
     * A value as audit wants it: in double quotes when it is plain printable text, else as
     * upper-case hex (what libaudit's audit_encode_nv_string does), so no value can forge fields.
     */
    public static String encode(String value) {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > 0x20 && c < 0x7f && c != '"';
        }
        if (plain) {
            return "\"" + value + "\"";
        }
        StringBuilder hex = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            hex.append(String.format("%02X", b & 0xff));
        }
        return hex.toString();
    }

    private static String executable() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/exe")).toString();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
