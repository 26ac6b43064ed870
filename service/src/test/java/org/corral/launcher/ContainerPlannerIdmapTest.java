package org.corral.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.config.model.Idmap;
import org.corral.config.model.IdmapEntry;
import org.corral.core.CorralException;
import org.corral.launcher.cgroup.CgroupFixtures;
import org.corral.launcher.cgroup.CgroupLayout;
import org.corral.launcher.cgroup.ContainerCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code <idmap>} changes in a container's plan, and the start checks of its maps. */
class ContainerPlannerIdmapTest {

    private static final String IDMAP = "<idmap><uid start='0' target='100000' count='65536'/>"
            + "<gid start='0' target='100000' count='65536'/></idmap>";

    private static String xml(String idmap, String features, String devices) {
        return "<domain type='lxc'><name>u1</name><memory unit='MiB'>64</memory>"
                + "<os><type>exe</type><init>/sbin/init</init></os>" + idmap + features
                + "<devices><filesystem type='mount'><source dir='/srv/u1'/><target dir='/'/></filesystem>" + devices
                + "<console type='pty'/></devices></domain>";
    }

    private static Plan plan(String xml, Map<String, Long> owners) throws Exception {
        Domain d = DomainXml.parse(xml);
        CgroupLayout layout = CgroupFixtures.v1Layout();
        ContainerCgroup cg = CgroupFixtures.v1Cgroup(layout, d.getName());
        return ContainerPlanner.plan(d, new ContainerPlanner.Context(new LaunchPaths(Path.of("/run/corral"), d.getName()),
                cg, layout, 0, false, Path.of("/run/corral/meminfo/u1/meminfo"), owners));
    }

    private static List<String> lines(List<List<String>> records) {
        List<String> out = new ArrayList<>();
        for (List<String> r : records) {
            out.add(String.join(" ", r));
        }
        return out;
    }

    private static String header(Plan p, String op) {
        for (List<String> r : p.header()) {
            if (r.get(0).equals(op)) {
                return r.size() > 1 ? r.get(1) : "";
            }
        }
        return null;
    }

    @Test
    void withoutIdmapNothingChanges() throws Exception {
        Plan p = plan(xml("", "", ""), Map.of());
        List<String> steps = lines(p.steps());
        assertEquals(0, Long.parseLong(header(p, "clone")) & Linux.CLONE_NEWUSER);
        assertNull(header(p, "pause"));
        assertFalse(steps.stream().anyMatch(s -> s.startsWith("setid") || s.startsWith("idmap")), steps.toString());
        assertTrue(steps.contains("mknod /srv/u1/dev/null 020666 1 3"), steps.toString());
        assertTrue(steps.contains("mount /srv/u1 /srv/u1  " + (Linux.MS_BIND | Linux.MS_REC) + " "), steps.toString());
        assertTrue(steps.contains("mount /sys /srv/u1/sys  " + Linux.MS_BIND + " "), steps.toString());
    }

    @Test
    void idmapPlan() throws Exception {
        Plan p = plan(xml(IDMAP, "", "<filesystem type='mount'><source dir='/srv/data'/><target dir='/data'/></filesystem>"
                + "<filesystem type='mount'><source dir='/srv/shifted'/><target dir='/shifted'/></filesystem>"),
                Map.of("/srv/u1", 0L, "/srv/data", 0L, "/srv/shifted", 100000L));
        List<String> steps = lines(p.steps());
        long clone = Long.parseLong(header(p, "clone"));
        assertEquals(Linux.CLONE_NEWUSER, clone & Linux.CLONE_NEWUSER);
        assertEquals("1", header(p, "pause"), "the Launcher writes the maps during the pause");
        // The root, owned by host root, is idmapped and must be (FALLBACK 0); then init becomes ns root.
        int root = steps.indexOf("idmap /srv/u1 /srv/u1 0");
        int setid = steps.indexOf("setid 0 0");
        assertTrue(root > 0 && setid == root + 1, steps.toString());
        assertTrue(steps.indexOf("mkdir /srv/u1/proc 0755") > setid, "every file is made after setid");
        assertFalse(steps.stream().anyMatch(s -> s.startsWith("mknod")), steps.toString());
        for (String n : List.of("null", "zero", "full", "random", "urandom", "tty")) {
            int f = steps.indexOf("file /srv/u1/dev/" + n + " 0666");
            assertTrue(f > 0, n);
            assertEquals("mount /dev/" + n + " /srv/u1/dev/" + n + "  " + Linux.MS_BIND + " ", steps.get(f + 1));
        }
        assertTrue(steps.contains("mount tmpfs /srv/u1/dev tmpfs " + (Linux.MS_NOSUID | Linux.MS_NOEXEC)
                + " mode=755,size=64k,uid=0,gid=0"), steps.toString());
        assertTrue(steps.contains("mount devpts /srv/u1/dev/pts devpts " + (Linux.MS_NOSUID | Linux.MS_NOEXEC)
                + " newinstance,ptmxmode=0666,mode=0620,gid=5"), "gid 5 is read inside the namespace: " + steps);
        assertTrue(steps.contains("mount /sys /srv/u1/sys  " + (Linux.MS_BIND | Linux.MS_REC) + " "),
                "a locked /sys can only be bound recursively: " + steps);
        // A host-owned bind is idmapped where possible; one owned by the mapped root is bound as is.
        assertTrue(steps.contains("idmap /srv/data /srv/u1/data 1"), steps.toString());
        assertTrue(steps.contains("mount /srv/shifted /srv/u1/shifted  " + (Linux.MS_BIND | Linux.MS_REC) + " "),
                steps.toString());
        assertTrue(steps.indexOf("pivot /srv/u1") > steps.indexOf("idmap /srv/data /srv/u1/data 1"));
    }

    @Test
    void privateNetworkGetsItsOwnSysfs() throws Exception {
        List<String> steps = lines(plan(xml(IDMAP, "<features><privnet/></features>", ""), Map.of()).steps());
        assertTrue(steps.contains("mount sysfs /srv/u1/sys sysfs "
                + (Linux.MS_RDONLY | Linux.MS_NOSUID | Linux.MS_NODEV | Linux.MS_NOEXEC) + " "), steps.toString());
        assertTrue(steps.contains("ifup lo"));
    }

    @Test
    void preChownedRootIsBoundAsItIs() throws Exception {
        List<String> steps = lines(plan(xml(IDMAP, "", ""), Map.of("/srv/u1", 100000L)).steps());
        assertTrue(steps.contains("mount /srv/u1 /srv/u1  " + (Linux.MS_BIND | Linux.MS_REC) + " "), steps.toString());
        assertFalse(steps.stream().anyMatch(s -> s.startsWith("idmap")), steps.toString());
        assertEquals(steps.indexOf("mount /srv/u1 /srv/u1  " + (Linux.MS_BIND | Linux.MS_REC) + " ") + 1,
                steps.indexOf("setid 0 0"));
    }

    @Test
    void ttyGroupLeftOutWhenUnmapped() throws Exception {
        String map = "<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='1'/>"
                + "<gid start='100' target='200100' count='10'/></idmap>";
        List<String> steps = lines(plan(xml(map, "", ""), Map.of()).steps());
        assertTrue(steps.contains("mount devpts /srv/u1/dev/pts devpts " + (Linux.MS_NOSUID | Linux.MS_NOEXEC)
                + " newinstance,ptmxmode=0666,mode=0620"), steps.toString());
    }

    @Test
    void execPlanBecomesNamespaceRoot() throws Exception {
        Domain d = DomainXml.parse(xml(IDMAP, "", ""));
        CgroupLayout layout = CgroupFixtures.v1Layout();
        Plan p = ContainerPlanner.execPlan(d, 42, CgroupFixtures.v1Cgroup(layout, "u1"), List.of("/bin/id"), List.of("A=b"));
        List<String> steps = lines(p.steps());
        assertEquals("setid 0 0", steps.get(0), steps.toString());
        Plan plain = ContainerPlanner.execPlan(DomainXml.parse(xml("", "", "")), 42, CgroupFixtures.v1Cgroup(layout, "u1"),
                List.of("/bin/id"), List.of("A=b"));
        assertFalse(lines(plain.steps()).contains("setid 0 0"));
    }

    private static String refusal(String idmap, String devices) {
        CorralException e = assertThrows(CorralException.class, () -> plan(xml(idmap, "", devices), Map.of()));
        assertEquals(CorralException.Kind.INVALID_CONFIG, e.kind());
        return e.getMessage();
    }

    @Test
    void startChecksOfTheMaps() {
        assertTrue(refusal("<idmap><uid start='0' target='100000' count='65536'/></idmap>", "")
                .contains("needs both <uid> and <gid> maps"));
        assertTrue(refusal("<idmap><uid start='1' target='100000' count='65536'/><gid start='0' target='100000' count='9'/></idmap>", "")
                .contains("must map the container's root: no <uid> entry with start='0'"));
        assertTrue(refusal("<idmap><uid start='0' target='100000' count='100'/><uid start='50' target='300000' count='100'/>"
                + "<gid start='0' target='100000' count='9'/></idmap>", "").contains("<uid> entries 1 and 2 overlap"));
        assertTrue(refusal("<idmap><uid start='0' target='100000' count='100'/><uid start='100' target='100050' count='100'/>"
                + "<gid start='0' target='100000' count='9'/></idmap>", "").contains("<uid> entries 1 and 2 overlap"),
                "overlapping targets too");
        StringBuilder many = new StringBuilder("<idmap><gid start='0' target='100000' count='1'/>");
        for (int i = 0; i <= UserNamespace.MAX_ENTRIES; i++) {
            many.append("<uid start='").append(i).append("' target='").append(100000 + i).append("' count='1'/>");
        }
        assertTrue(refusal(many.append("</idmap>").toString(), "").contains("341 <uid> entries; at most 340"));
    }

    @Test
    void idmapNeedsARoot() throws Exception {
        String noRoot = "<domain type='lxc'><name>u1</name><memory unit='MiB'>64</memory>"
                + "<os><type>exe</type><init>/sbin/init</init></os>" + IDMAP + "<devices><console type='pty'/></devices></domain>";
        CorralException e = assertThrows(CorralException.class, () -> plan(noRoot, Map.of()));
        assertTrue(e.getMessage().contains("<idmap> needs a root <filesystem>"), e.getMessage());
    }

    @Test
    void severalRanges() {
        Idmap m = new Idmap();
        m.getUids().add(new IdmapEntry(0, 100000, 1000));
        m.getUids().add(new IdmapEntry(1000, 300000, 64536));
        m.getGids().add(new IdmapEntry(0, 100000, 65536));
        assertEquals(100000, UserNamespace.hostId(m.getUids(), 0));
        assertEquals(100999, UserNamespace.hostId(m.getUids(), 999));
        assertEquals(300000, UserNamespace.hostId(m.getUids(), 1000));
        assertEquals(-1, UserNamespace.hostId(m.getUids(), 65536));
        assertEquals("0 100000 1000\n1000 300000 64536\n", UserNamespace.mapText(m.getUids()));
        assertNull(UserNamespace.problem(m));
    }

    @Test
    void ownershipRefusalNamesBothOwners() {
        Idmap m = new Idmap();
        m.getUids().add(new IdmapEntry(0, 100000, 65536));
        m.getGids().add(new IdmapEntry(0, 100000, 65536));
        assertTrue(UserNamespace.needsIdmap(0, m));
        assertFalse(UserNamespace.needsIdmap(100000, m));
        assertEquals("root /srv/x is owned by uid 0, but the container's root is uid 100000 on the host: chown it,"
                + " or use a filesystem that supports idmapped mounts", UserNamespace.ownershipRefusal("/srv/x", 0, m));
    }

    @Test
    void unsearchableParentIsNamed(@TempDir Path tmp) throws IOException {
        Idmap m = new Idmap();
        m.getUids().add(new IdmapEntry(0, 100000, 65536));
        m.getGids().add(new IdmapEntry(0, 100000, 65536));
        Path locked = Files.createDirectory(tmp.resolve("locked"));
        Path root = Files.createDirectory(locked.resolve("root"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        String problem = UserNamespace.unsearchableParent(root, m);
        assertTrue(problem != null && problem.contains(locked + " (mode 0700") && problem.endsWith("chmod o+x " + locked),
                String.valueOf(problem));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx--x--x"));
        assertNull(UserNamespace.unsearchableParent(root, m));
    }
}
