package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code <idmap>}: a container whose root is uid 100000 on the host, started from a busybox root
 * owned by the host's root (shown to it through an idmapped mount), seen from inside (a report
 * its init writes into its root) and from the host (/proc/Leader).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UserNamespaceTest extends SharedRigTest {
    private static final String IDMAP = "<uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='65536'/>";

    private static Map<String, String> report(String text) {
        Map<String, String> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    private static long uid(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:uid")).longValue();
    }

    private static long gid(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:gid")).longValue();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hostOwnedRootThroughAnIdmappedMount() throws Exception {
        String name = rig.track("rt-userns");
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        Files.writeString(root.path().resolve("empty.ko"), "not an ELF module ".repeat(8));
        // policy='allow': even with every capability, they are the user namespace's only.
        String init = root.script("init.sh", """
                sleep 1000 &
                {
                  echo "uid=$(id -u)"
                  echo "gid=$(id -g)"
                  echo "root-owner=$(stat -c '%u' /)"
                  if touch /newfile 2>/dev/null; then echo touch=ok; else echo touch=refused; fi
                  if touch /out/bound 2>/dev/null; then echo bound=ok; else echo bound=refused; fi
                  if mknod /tmp/node c 1 3 2>/dev/null; then echo mknod=ok; else echo mknod=refused; fi
                  if cat /dev/sda > /dev/null 2>&1; then echo sda=read; else echo sda=refused; fi
                  echo "insmod=$(insmod /empty.ko 2>&1)"
                  if echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then echo sysctl=written; else echo sysctl=refused; fi
                  echo "dev=$(ls /dev | tr '\\n' ' ')"
                  echo "null=$(stat -c '%t:%T' /dev/null)"
                  echo "nodes=$(echo x > /dev/null && head -c 3 /dev/zero | wc -c)"
                  echo "tty=$(tty)"
                  grep CapEff /proc/self/status | tr -d '\\t' | tr : =
                  echo "meminfo=$(grep ' /proc/meminfo ' /proc/self/mountinfo | grep -c ' - fuse') $(grep MemTotal /proc/meminfo | tr -s ' ')"
                  echo "cgroup=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
                } > /report.txt 2>&1
                mv /report.txt /report.done
                wait
                """);
        rig.define(LxcXml.named(name).root(root).init(init).idmap(IDMAP).bind(out, "/out", false)
                .feature("<capabilities policy='allow'/>"));
        rig.start(name);
        rig.awaitState(name, "running");
        Path done = root.path().resolve("report.done");
        Map<String, String> r = report(rig.awaitFile(done));
        long leader = rig.leader(name);
        Path proc = Path.of("/proc", Long.toString(leader));

        assertEquals("0", r.get("uid"), r.toString());
        assertEquals("0", r.get("gid"), r.toString());
        assertEquals(List.of("0", "100000", "65536"), List.of(Files.readString(proc.resolve("uid_map")).trim().split("\\s+")));
        assertEquals(List.of("0", "100000", "65536"), List.of(Files.readString(proc.resolve("gid_map")).trim().split("\\s+")));
        String status = Files.readString(proc.resolve("status"));
        assertTrue(status.contains("Uid:\t100000\t100000\t100000\t100000"), status);
        assertTrue(status.contains("Gid:\t100000\t100000\t100000\t100000"), status);
        assertEquals("allow", Files.readString(proc.resolve("setgroups")).trim(), "setgroups is left to the container");

        // The idmapped root: the image's uid 0 is the container's root, and what it writes keeps
        // the image's ownership on disk (uid 0), not the mapped 100000.
        assertEquals("0", r.get("root-owner"), r.toString());
        assertEquals("ok", r.get("touch"), r.toString());
        assertEquals(0, uid(root.path().resolve("newfile")), "on disk, through the idmapped mount");
        assertEquals(100000, uid(proc.resolve("root/newfile")),
                "through the container's idmapped mount even the host sees the mapped owner");
        assertEquals("ok", r.get("bound"), "a host-owned <filesystem type='mount'> is idmapped too");
        assertEquals(0, uid(out.resolve("bound")));

        assertTrue(r.get("CapEff").matches("0*[13]?f+"), "all capabilities (of the namespace): " + r);
        assertEquals("refused", r.get("mknod"), r.toString());
        assertEquals("refused", r.get("sda"), r.toString());
        // EPERM (no CAP_SYS_MODULE over the host's namespace), or ENOSYS on a kernel without
        // module support, where the host's root fails the same way.
        boolean modules = Files.exists(Path.of("/proc/modules"));
        assertTrue(r.get("insmod").contains(modules ? "not permitted" : "can't insert"), "insmod: " + r.get("insmod"));
        assertEquals("refused", r.get("sysctl"), r.toString());
        assertEquals("console fd full null ptmx pts random stderr stdin stdout tty tty1 urandom zero ", r.get("dev"),
                "only the seed's nodes");
        assertEquals("1:3", r.get("null"), r.toString());
        assertEquals("3", r.get("nodes"), "the bound host nodes work");
        assertEquals("/dev/pts/0", r.get("tty"), r.toString());
        // The FUSE meminfo (file of the host's root, mode 0444) and the cgroup binds work as ever.
        assertEquals("1 MemTotal: 65536 kB", r.get("meminfo"), r.toString());
        assertEquals(Long.toString(64L << 20), r.get("cgroup"), r.toString());

        // /dev and the console belong to the mapped root, seen from the host.
        Path dev = proc.resolve("root/dev");
        assertEquals(100000, uid(dev));
        assertEquals(100000, gid(dev));
        // So do its /proc/meminfo and its own cgroup directories (as libvirt chowns them).
        assertEquals(100000, uid(proc.resolve("root/proc/meminfo")), "/proc/meminfo owner");
        for (Path cg : Rig.existingCgroupDirs(name)) {
            assertEquals(100000, uid(cg), "owner of " + cg);
            assertEquals(100000, uid(cg.resolve("cgroup.procs")), "owner of " + cg + "/cgroup.procs");
        }
        assertEquals(100000, uid(dev.resolve("console")), "console (pts/0)");
        assertEquals(100005, gid(dev.resolve("console")), "devpts gid=5 inside is 100005 on the host");
        assertEquals(100000, uid(dev.resolve("pts/ptmx")));
        // devpts gives its root directory to the root of the namespace that mounts it.
        assertEquals(100000, uid(dev.resolve("pts")));
        assertEquals(100000, gid(dev.resolve("pts")));
        assertEquals(0755, (Integer) Files.getAttribute(dev.resolve("pts"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
        assertFalse(r.containsKey("error"));

        rig.call(name, "Destroy").assertSuccess();
        rig.awaitState(name, "shutoff");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void severalRanges() throws Exception {
        String name = rig.track("rt-userns-ranges");
        BusyboxRoot root = rig.newRoot();
        String init = root.script("init.sh", """
                sleep 1000 &
                touch /low /high
                chown 999:999 /low
                chown 1500:1500 /high
                { echo "uid=$(id -u)"; echo "low=$(stat -c '%u' /low)"; echo "high=$(stat -c '%u' /high)"; } > /report.txt
                mv /report.txt /report.done
                wait
                """);
        rig.define(LxcXml.named(name).root(root).init(init).idmap("<uid start='0' target='100000' count='1000'/>"
                + "<uid start='1000' target='300000' count='64536'/><gid start='0' target='100000' count='65536'/>"));
        rig.start(name);
        Map<String, String> r = report(rig.awaitFile(root.path().resolve("report.done")));
        Path proc = Path.of("/proc", Long.toString(rig.leader(name)));
        assertEquals("0 100000 1000\n1000 300000 64536", Files.readString(proc.resolve("uid_map")).trim().replaceAll("[ \t]+", " ")
                .replaceAll("\n ", "\n"));
        assertEquals("0", r.get("uid"));
        assertEquals("999", r.get("low"));
        assertEquals("1500", r.get("high"));
        // The idmapped root writes the container's ids to disk; the process is the mapped id.
        assertEquals(999, uid(root.path().resolve("low")));
        assertEquals(1500, uid(root.path().resolve("high")));
        rig.call(name, "Destroy").assertSuccess();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void rootOnAFilesystemWithoutIdmappedMounts() throws Exception {
        String name = rig.track("rt-userns-ramfs");
        BusyboxRoot template = rig.newRoot();
        Path ram = rig.newHostDir();
        Cli.exec(List.of("mount", "-t", "ramfs", "-o", "mode=755", "ramfs", ram.toString()), Map.of(), Rig.WAIT).assertSuccess();
        rig.<AutoCloseable>track(() -> Cli.exec(List.of("umount", "-l", ram.toString()), Map.of(), Rig.WAIT));
        Cli.exec(List.of("cp", "-a", template.path() + "/.", ram.toString()), Map.of(), Rig.WAIT).assertSuccess();
        String init = "/init.sh";
        Files.writeString(ram.resolve("init.sh"), "#!/bin/sh\nsleep 1000\n");
        Files.setPosixFilePermissions(ram.resolve("init.sh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        rig.define(LxcXml.named(name).root(ram).init(init).idmap(IDMAP));
        Cli.Result res = rig.call(name, "Start", "ahu", "0", "0");
        res.assertFailure();
        assertTrue(res.stderr().contains("root " + ram + " is owned by uid 0, but the container's root is uid 100000 on the host:"
                + " chown it, or use a filesystem that supports idmapped mounts"), res.stderr());
        assertEquals("shutoff", rig.state(name));
        assertTrue(Rig.existingCgroupDirs(name).isEmpty(), "the failed start was rolled back");

        // A root already chowned to the mapped root (libvirt's requirement) is bound as it is.
        // Only its top directory here: its files show as the overflow id but stay executable.
        Cli.exec(List.of("chown", "100000:100000", ram.toString()), Map.of(), Rig.WAIT).assertSuccess();
        rig.start(name);
        rig.awaitState(name, "running");
        assertEquals(100000, uid(Path.of("/proc", Long.toString(rig.leader(name)), "root")));
        rig.call(name, "Destroy").assertSuccess();
        rig.awaitState(name, "shutoff");
    }
}
