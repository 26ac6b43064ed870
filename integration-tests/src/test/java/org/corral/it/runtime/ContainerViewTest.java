package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a container is, seen from inside (an init script reporting to a bound host directory or to
 * its console) and from the host (/proc/Leader/ns): the seed's "Default container setup" and
 * "Device nodes" sections.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContainerViewTest extends SharedRigTest {
    private static final int CAP_SYS_MODULE = 16;
    private static final int CAP_SYS_TIME = 25;
    private static final int CAP_MKNOD = 27;
    private static final int CAP_AUDIT_CONTROL = 30;
    private static final int CAP_MAC_ADMIN = 33;

    /** name -> "c MAJ:MIN", "-> TARGET" or "dir", from busybox {@code ls -l}. */
    static Map<String, String> parseLs(String ls) {
        Map<String, String> result = new TreeMap<>();
        Pattern chr = Pattern.compile("^c\\S+\\s+\\d+\\s+\\S+\\s+\\S+\\s+(\\d+),\\s+(\\d+)\\s.*\\s(\\S+)$");
        Pattern link = Pattern.compile("^l\\S+\\s.*\\s(\\S+) -> (\\S+)$");
        Pattern dir = Pattern.compile("^d\\S+\\s.*\\s(\\S+)$");
        for (String line : ls.split("\n")) {
            Matcher m;
            if ((m = chr.matcher(line)).matches()) {
                result.put(m.group(3), "c " + m.group(1) + ":" + m.group(2));
            } else if ((m = link.matcher(line)).matches()) {
                result.put(m.group(1), "-> " + m.group(2));
            } else if ((m = dir.matcher(line)).matches()) {
                result.put(m.group(1), "dir");
            } else if (!line.startsWith("total") && !line.isBlank()) {
                result.put(line, "?");
            }
        }
        return result;
    }

    static Map<String, String> expectedDev(int consoles) {
        Map<String, String> m = new TreeMap<>(Map.of("null", "c 1:3", "zero", "c 1:5", "full", "c 1:7", "random", "c 1:8",
                "urandom", "c 1:9", "tty", "c 5:0", "stdin", "-> /proc/self/fd/0", "stdout", "-> /proc/self/fd/1",
                "stderr", "-> /proc/self/fd/2", "fd", "-> /proc/self/fd"));
        m.put("ptmx", "-> pts/ptmx");
        m.put("console", "-> pts/0");
        m.put("pts", "dir");
        for (int i = 0; i < consoles; i++) {
            m.put("tty" + (i + 1), "-> pts/" + i);
        }
        return m;
    }

    static long capBnd(String statusLine) {
        Matcher m = Pattern.compile("CapBnd:\\s*([0-9a-f]+)").matcher(statusLine);
        assertTrue(m.find(), "no CapBnd in: " + statusLine);
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void privateRootAsSeenFromInside() throws Exception {
        String name = rig.track("rt-view");
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        Path ro = rig.newHostDir();
        Files.writeString(ro.resolve("f"), "from-host\n");
        String init = root.script("init.sh", """
                sleep 1000 &
                hostname > /out/hostname
                echo $$ > /out/pid
                for a in "$@"; do echo "[$a]"; done > /out/args
                pwd > /out/pwd
                tr '\\0' '\\n' < /proc/1/environ > /out/env
                ls -l /dev > /out/dev
                ls /dev/pts > /out/pts
                cat /proc/self/mountinfo > /out/mountinfo
                grep CapBnd /proc/self/status > /out/capbnd
                if mknod /tmp/x c 1 3 2>/out/mknod.err; then echo created; else echo refused; fi > /out/mknod
                if touch /ro/new 2>/dev/null; then echo writable; else echo readonly; fi > /out/ro
                cat /ro/f > /out/ro-content
                if test -e /usr/share; then echo visible; else echo hidden; fi > /out/host-files
                echo done > /out/done
                wait
                """);
        rig.define(LxcXml.named(name).root(root).init(init, "a1", "two words").initdir("/tmp")
                .initenv("FOO", "bar baz").cmdline("quiet splash").bind(out, "/out", false).bind(ro, "/ro", true)
                .ram("/ram", 2048));
        rig.start(name);
        rig.awaitFile(out.resolve("done"));
        String uuid = rig.prop(name, "UUID");
        long leader = rig.leader(name);

        assertEquals(name, Rig.read(out.resolve("hostname")).trim(), "hostname");
        assertEquals("1", Rig.read(out.resolve("pid")).trim(), "init is PID 1");
        assertEquals("[a1]\n[two words]", Rig.read(out.resolve("args")).trim(), "initarg");
        assertEquals("/tmp", Rig.read(out.resolve("pwd")).trim(), "initdir");
        List<String> env = new ArrayList<>(Rig.read(out.resolve("env")).lines().filter(l -> !l.isEmpty()).sorted().toList());
        List<String> expectedEnv = new ArrayList<>(List.of("container=lxc-libvirt", "container_uuid=" + uuid,
                "PATH=/bin:/usr/bin", "TERM=linux", "HOME=/", "LIBVIRT_LXC_NAME=" + name, "LIBVIRT_LXC_UUID=" + uuid,
                "LIBVIRT_LXC_CMDLINE=quiet splash", "FOO=bar baz"));
        expectedEnv.sort(null);
        assertEquals(expectedEnv, env, "init's environment");

        assertEquals(expectedDev(1), parseLs(Rig.read(out.resolve("dev"))), "ls -l /dev:\n" + Rig.read(out.resolve("dev")));
        assertEquals(List.of("0", "ptmx"), Rig.read(out.resolve("pts")).lines().toList(),
                "a private devpts: only this container's console");

        Mounts mounts = Mounts.parse(Rig.read(out.resolve("mountinfo")));
        assertEquals("tmpfs", mounts.require("/dev").type(), "/dev\n" + mounts);
        Mounts.Entry pts = mounts.require("/dev/pts");
        assertEquals("devpts", pts.type());
        assertTrue(pts.superOptions().contains("ptmxmode=666"), "devpts newinstance with ptmxmode=666: " + pts);
        assertEquals("sysfs", mounts.require("/sys").type());
        assertTrue(mounts.require("/sys").readOnly(), "/sys read-only: " + mounts.require("/sys"));
        assertEquals("proc", mounts.require("/proc").type());
        assertFalse(mounts.require("/proc").readOnly(), "/proc");
        assertTrue(mounts.require("/proc/sys").readOnly(), "/proc/sys read-only: " + mounts.require("/proc/sys"));
        for (Path hierarchy : Rig.v1ControllerMounts()) {
            Mounts.Entry cg = mounts.require("/sys/fs/cgroup/" + hierarchy.getFileName());
            assertEquals("/machine/" + name + ".corral", cg.root(), "only the container's own cgroup: " + cg);
        }
        assertTrue(mounts.require("/ro").readOnly(), "<readonly/> bind: " + mounts.require("/ro"));
        assertEquals("readonly", Rig.read(out.resolve("ro")).trim(), "writing into the read-only bind");
        assertEquals("from-host", Rig.read(out.resolve("ro-content")).trim());
        Mounts.Entry ram = mounts.require("/ram");
        assertEquals("tmpfs", ram.type(), "type='ram'");
        assertTrue(ram.superOptions().contains("size=2048k"), "tmpfs of 2048 KiB: " + ram);
        // pivot_root: the old root is unmounted, the host's files are not visible
        assertEquals("hidden", Rig.read(out.resolve("host-files")).trim(), "/usr/share of the host inside the container");
        assertEquals(ro.toString(), mounts.require("/ro").root(), "bind source");
        for (String mp : mounts.mountPoints()) {
            assertTrue(mp.equals("/") || mp.equals("/proc") || mp.equals("/proc/sys") || mp.equals("/proc/meminfo") || mp.equals("/sys")
                    || mp.startsWith("/sys/fs/cgroup") || mp.equals("/dev") || mp.startsWith("/dev/")
                    || List.of("/out", "/ro", "/ram").contains(mp), "unexpected mount " + mp + " (old root left?):\n" + mounts);
        }
        assertEquals(root.path().toString(), mounts.require("/").root(), "the root is the configured directory");

        long caps = capBnd(Rig.read(out.resolve("capbnd")));
        for (int cap : new int[] {CAP_MKNOD, CAP_SYS_MODULE, CAP_SYS_TIME, CAP_AUDIT_CONTROL, CAP_MAC_ADMIN}) {
            assertEquals(0, caps & (1L << cap), "capability " + cap + " dropped from the bounding set: " + Long.toHexString(caps));
        }
        assertEquals("refused", Rig.read(out.resolve("mknod")).trim(), "mknod inside: " + Rig.read(out.resolve("mknod.err")));

        for (String ns : List.of("mnt", "pid", "uts", "ipc")) {
            assertNotEquals(Rig.nsOf(ProcessHandle.current().pid(), ns), Rig.nsOf(leader, ns), ns + " namespace is private");
        }
        assertEquals(Rig.nsOf(ProcessHandle.current().pid(), "net"), Rig.nsOf(leader, "net"), "no <privnet/>: host network");

        // The container's cgroup (seen from the host) holds exactly the container's processes.
        for (Path dir : Rig.cgroupDirs(name)) {
            assertEquals(Rig.pidsInNamespaceOf(leader), Rig.procs(dir), "cgroup.procs of " + dir);
        }
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void twoConsolesPrivateNetworkAndDenyPolicy() {
        String name = rig.track("rt-view2");
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        String init = root.script("init.sh", """
                ls -l /dev > /out/dev
                ls /dev/pts > /out/pts
                ls /sys/class/net > /out/net
                cat /sys/class/net/lo/flags > /out/lo-flags
                grep CapBnd /proc/self/status > /out/capbnd
                echo done > /out/done
                while :; do sleep 1; done
                """);
        rig.define(LxcXml.named(name).root(root).init(init).consoles(2).bind(out, "/out", false)
                .feature("<privnet/>").feature("<capabilities policy='deny'><chown state='on'/></capabilities>"));
        rig.start(name);
        rig.awaitFile(out.resolve("done"));
        long leader = rig.leader(name);

        assertEquals(expectedDev(2), parseLs(Rig.read(out.resolve("dev"))), "ls -l /dev:\n" + Rig.read(out.resolve("dev")));
        assertEquals(List.of("0", "1", "ptmx"), Rig.read(out.resolve("pts")).lines().toList());
        assertEquals(List.of("lo"), Rig.read(out.resolve("net")).lines().toList(), "<privnet/>: only lo");
        long flags = Long.decode(Rig.read(out.resolve("lo-flags")).trim());
        assertEquals(1, flags & 1, "lo is UP (IFF_UP), flags " + Long.toHexString(flags));
        assertNotEquals(Rig.nsOf(ProcessHandle.current().pid(), "net"), Rig.nsOf(leader, "net"), "<privnet/>: own netns");
        assertEquals(1L, capBnd(Rig.read(out.resolve("capbnd"))), "policy='deny' + chown on: CapBnd is exactly bit 0");
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void seedFirstExampleSharesTheHostsFiles() throws Exception {
        // The seed's first example (vm1) without its <interface>: no root filesystem, init /bin/sh.
        String name = rig.track("rt-hostroot");
        Path marker = rig.newHostDir();
        Files.writeString(marker.resolve("marker"), "host-marker-42\n");
        String script = "echo \"MARKER=$(cat " + marker.resolve("marker") + ")\"; echo \"NAME=$(hostname)\";"
                + " echo \"ETC_HOSTNAME=$(cat /etc/hostname 2>/dev/null)\"; echo \"PID=$$\"; echo END; exec sleep 1000";
        String xml = "<domain type='lxc'><name>" + name + "</name><memory>500000</memory><os><type>exe</type>"
                + "<init>/bin/sh</init><initarg>-c</initarg><initarg>" + LxcXml.esc(script) + "</initarg></os><vcpu>1</vcpu>"
                + "<clock offset='utc'/><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>"
                + "<on_crash>destroy</on_crash><devices><emulator>/usr/libexec/libvirt_lxc</emulator>"
                + "<console type='pty' /></devices></domain>";
        rig.corral().define(xml);
        rig.start(name);
        String console = rig.awaitConsole(name, "END");
        assertTrue(console.contains("MARKER=host-marker-42"), "the host's files are visible:\n" + console);
        assertTrue(console.contains("NAME=" + name), "hostname is the name:\n" + console);
        assertTrue(console.contains("PID=1"), console);
        String hostHostname = Files.exists(Path.of("/etc/hostname")) ? Files.readString(Path.of("/etc/hostname")).trim() : "";
        assertTrue(console.contains("ETC_HOSTNAME=" + hostHostname + "\n"), "the host's /etc/hostname:\n" + console);
        long leader = rig.leader(name);
        Mounts mounts = Mounts.parse(Files.readString(Path.of("/proc", Long.toString(leader), "mountinfo")));
        assertEquals("tmpfs", mounts.require("/dev").type(), "/dev is a new tmpfs\n" + mounts);
        assertTrue(mounts.require("/proc/sys").readOnly(), "/proc/sys read-only");
        assertTrue(mounts.require("/sys").readOnly(), "/sys read-only");
    }
}
