package org.corral.launcher.cgroup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.corral.sys.Native;
import org.corral.sys.SyscallException;

/**
 * The devices policy on cgroup v2, where there is no devices.allow: a BPF_CGROUP_DEVICE program
 * that allows exactly the rules given and denies everything else, attached to the container's
 * cgroup. The program is a flat list of checks, one block per rule, in the kernel's BPF
 * instruction encoding (linux/bpf.h); its input is struct bpf_cgroup_dev_ctx
 * {u32 access_type (access << 16 | type); u32 major; u32 minor}.
 */
public final class DeviceFilter {

    private static final int TYPE_BLOCK = 1;
    private static final int TYPE_CHAR = 2;
    private static final int ACC_MKNOD = 1;
    private static final int ACC_READ = 2;
    private static final int ACC_WRITE = 4;

    // Opcodes (class | op | source).
    private static final int LDX_W = 0x61;
    private static final int ALU64_AND_K = 0x57;
    private static final int ALU64_RSH_K = 0x77;
    private static final int MOV64_X = 0xbf;
    private static final int MOV64_K = 0xb7;
    private static final int JNE_K = 0x55;
    private static final int EXIT = 0x95;

    private DeviceFilter() {
    }

    /** Loads the program for these rules and attaches it to the cgroup directory. */
    public static void attach(java.nio.file.Path cgroupDir, List<CgroupLimits.DeviceRule> rules) throws SyscallException {
        int prog = Native.bpfLoadDeviceProgram(program(rules));
        int dir = -1;
        try {
            dir = Native.open(cgroupDir.toString(), 0 /* O_RDONLY */ | 0200000 /* O_DIRECTORY */, 0);
            Native.bpfAttachDeviceProgram(dir, prog);
        } finally {
            // The cgroup keeps the attached program alive; our fds are not needed.
            Native.closeQuietly(dir);
            Native.closeQuietly(prog);
        }
    }

    /** The instructions: r2 = type, r3 = access, r4 = major, r5 = minor; one block per rule. */
    static byte[] program(List<CgroupLimits.DeviceRule> rules) {
        java.util.List<long[]> out = new java.util.ArrayList<>();
        out.add(new long[] {LDX_W, 2, 1, 0, 0});
        out.add(new long[] {ALU64_AND_K, 2, 0, 0, 0xffff});
        out.add(new long[] {LDX_W, 3, 1, 0, 0});
        out.add(new long[] {ALU64_RSH_K, 3, 0, 0, 16});
        out.add(new long[] {LDX_W, 4, 1, 4, 0});
        out.add(new long[] {LDX_W, 5, 1, 8, 0});
        for (CgroupLimits.DeviceRule r : rules) {
            int type = r.type() == 'b' ? TYPE_BLOCK : TYPE_CHAR;
            int access = (r.access().indexOf('m') >= 0 ? ACC_MKNOD : 0) | (r.access().indexOf('r') >= 0 ? ACC_READ : 0)
                    | (r.access().indexOf('w') >= 0 ? ACC_WRITE : 0);
            // Checks whose failure jumps to the end of the block (offset filled in below).
            java.util.List<long[]> block = new java.util.ArrayList<>();
            block.add(new long[] {JNE_K, 2, 0, -1, type});
            block.add(new long[] {MOV64_X, 0, 3, 0, 0});
            block.add(new long[] {ALU64_AND_K, 0, 0, 0, ~access}); // any access bit not allowed?
            block.add(new long[] {JNE_K, 0, 0, -1, 0});
            if (r.major() >= 0) {
                block.add(new long[] {JNE_K, 4, 0, -1, r.major()});
            }
            if (r.minor() >= 0) {
                block.add(new long[] {JNE_K, 5, 0, -1, r.minor()});
            }
            block.add(new long[] {MOV64_K, 0, 0, 0, 1});
            block.add(new long[] {EXIT, 0, 0, 0, 0});
            for (int i = 0; i < block.size(); i++) {
                if (block.get(i)[3] == -1) {
                    block.get(i)[3] = block.size() - i - 1;
                }
            }
            out.addAll(block);
        }
        out.add(new long[] {MOV64_K, 0, 0, 0, 0});
        out.add(new long[] {EXIT, 0, 0, 0, 0});
        ByteBuffer b = ByteBuffer.allocate(8 * out.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] i : out) {
            insn(b, (int) i[0], (int) i[1], (int) i[2], (int) i[3], (int) i[4]);
        }
        return b.array();
    }

    private static void insn(ByteBuffer b, int op, int dst, int src, int off, int imm) {
        b.put((byte) op).put((byte) ((src << 4) | dst)).putShort((short) off).putInt(imm);
    }
}
