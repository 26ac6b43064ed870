package org.corral.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.launcher.cgroup.CgroupFixtures;
import org.corral.launcher.cgroup.CgroupLayout;
import org.corral.launcher.cgroup.ContainerCgroup;
import org.junit.jupiter.api.Test;

/** Who puts init into its cgroups: init itself on cgroup v1 ({@code cgroupjoin}), else the supervisor. */
class ContainerPlannerCgroupJoinTest {

    private static final String IDMAP = "<idmap><uid start='0' target='100000' count='65536'/>"
            + "<gid start='0' target='100000' count='65536'/></idmap>";

    private static Plan plan(String idmap, ContainerCgroup cg, CgroupLayout layout, boolean launcherMovesInit)
            throws Exception {
        Domain d = DomainXml.parse("<domain type='lxc'><name>j1</name><memory unit='MiB'>64</memory>"
                + "<os><type>exe</type><init>/sbin/init</init></os>" + idmap
                + "<devices><filesystem type='mount'><source dir='/srv/j1'/><target dir='/'/></filesystem>"
                + "<console type='pty'/></devices></domain>");
        return ContainerPlanner.plan(d, new ContainerPlanner.Context(new LaunchPaths(Path.of("/run/corral"), "j1"), cg,
                layout, 0, false, Path.of("/run/corral/meminfo/j1/meminfo"), Map.of("/srv/j1", 0L), List.of(),
                Map.of(), launcherMovesInit));
    }

    private static List<String> records(List<List<String>> rs, String op) {
        return rs.stream().filter(r -> r.get(0).equals(op)).map(r -> String.join(" ", r)).toList();
    }

    @Test
    void onCgroupV1InitJoinsEveryHierarchyItselfRightAfterTheGate() throws Exception {
        CgroupLayout layout = CgroupFixtures.v1Layout();
        Plan p = plan("", CgroupFixtures.v1Cgroup(layout, "j1"), layout, false);
        List<String> expected = List.of("cgroupjoin /sys/fs/cgroup/memory/machine/j1.corral/tasks",
                "cgroupjoin /sys/fs/cgroup/devices/machine/j1.corral/tasks",
                "cgroupjoin /sys/fs/cgroup/cpu,cpuacct/machine/j1.corral/tasks");
        assertEquals(expected, records(p.steps(), "cgroupjoin"));
        int gate = ops(p).indexOf("gate");
        assertEquals(expected, p.steps().subList(gate + 1, gate + 4).stream().map(r -> String.join(" ", r)).toList(),
                "the first steps after the gate");
        assertEquals(List.of(), records(p.header(), "cgroupprocs"), "the supervisor writes no PID");
        assertEquals(List.of(), records(p.header(), "clonecgroup"), "no cgroup2 hierarchy");
        assertEquals(List.of(), records(p.header(), "pause"), "a gate, not a pause");
    }

    /**
     * Before the gate nothing needs the container's cgroup directories (the Launcher makes them
     * meanwhile); after it they are bound from the host's tree at the container's
     * /sys/fs/cgroup, and then the tree becomes init's root (enterroot, no pivot_root).
     */
    @Test
    void aGatedPlanBindsItsCgroupsAfterTheGateAndThenEntersItsRoot() throws Exception {
        CgroupLayout layout = CgroupFixtures.v1Layout();
        Plan p = plan("", CgroupFixtures.v1Cgroup(layout, "j1"), layout, false);
        List<String> ops = ops(p);
        int gate = ops.indexOf("gate");
        int drop = ops.indexOf("enterroot");
        assertTrue(gate >= 0 && gate < drop && drop < ops.indexOf("exec"), ops.toString());
        assertEquals(List.of("enterroot /srv/j1"), records(p.steps(), "enterroot"));
        assertFalse(ops.contains("pivot") || ops.contains("pivotkeep") || ops.contains("dropoldroot"), ops.toString());
        String bind = " " + Linux.MS_BIND + " ";
        List<String> binds = records(p.steps().subList(gate + 1, drop), "mount");
        assertEquals(List.of("mount /sys/fs/cgroup/memory/machine/j1.corral /srv/j1/sys/fs/cgroup/memory " + bind,
                "mount /sys/fs/cgroup/devices/machine/j1.corral /srv/j1/sys/fs/cgroup/devices " + bind,
                "mount /sys/fs/cgroup/cpu,cpuacct/machine/j1.corral /srv/j1/sys/fs/cgroup/cpu,cpuacct " + bind), binds,
                "the cgroup directories are bound between the gate and the root");
        for (int i = 0; i < gate; i++) {
            String rec = String.join(" ", p.steps().get(i));
            assertFalse(rec.contains("j1.corral"), "before the gate: " + rec);
        }
        // The mount points were made, and the tmpfs holding them made read-only, before the gate.
        assertTrue(ops.subList(0, gate).contains("mkdir"));
        assertTrue(records(p.steps().subList(0, gate), "mount").stream().anyMatch(r -> r.startsWith(
                "mount  /srv/j1/sys/fs/cgroup tmpfs")), "the cgroup tmpfs remounted read-only before the gate");
    }

    @Test
    void withAPauseThePlanHasNoGate() throws Exception {
        CgroupLayout layout = CgroupFixtures.v1Layout();
        Plan p = plan(IDMAP, CgroupFixtures.v1Cgroup(layout, "j1"), layout, false);
        assertFalse(ops(p).contains("gate"));
        assertEquals(List.of("pause 1"), records(p.header(), "pause"));
        assertTrue(ops(p).contains("pivot"));
    }

    private static List<String> ops(Plan p) {
        return p.steps().stream().map(r -> r.get(0)).toList();
    }

    @Test
    void inAUserNamespaceTheSupervisorMovesInit() throws Exception {
        CgroupLayout layout = CgroupFixtures.v1Layout();
        Plan p = plan(IDMAP, CgroupFixtures.v1Cgroup(layout, "j1"), layout, false);
        assertEquals(List.of(), records(p.steps(), "cgroupjoin"));
        assertEquals(3, records(p.header(), "cgroupprocs").size());
    }

    @Test
    void onCgroupV2InitIsCreatedInItsCgroup() throws Exception {
        for (String idmap : List.of("", IDMAP)) {
            Plan p = plan(idmap, CgroupFixtures.v2Cgroup("j1"), CgroupFixtures.v2Layout(), false);
            assertEquals(List.of(), records(p.steps(), "cgroupjoin"));
            assertEquals(List.of(), records(p.header(), "cgroupprocs"));
            assertEquals(List.of("clonecgroup /sys/fs/cgroup/machine/j1.corral"), records(p.header(), "clonecgroup"));
        }
    }

    @Test
    void onAHybridHostInitIsCreatedInItsUnitAndJoinsTheV1HierarchiesItself() throws Exception {
        CgroupLayout layout = CgroupFixtures.v1Layout();
        Plan p = plan("", CgroupFixtures.hybridCgroup(layout, "j1"), layout, false);
        assertEquals(List.of("clonecgroup /sys/fs/cgroup/unified/machine.slice/corral-j1.scope"),
                records(p.header(), "clonecgroup"));
        assertEquals(3, records(p.steps(), "cgroupjoin").size());
        assertEquals(List.of(), records(p.header(), "cgroupprocs"));
    }

    @Test
    void whenTheLauncherPlacesInitNobodyElseDoes() throws Exception {
        CgroupLayout layout = CgroupFixtures.v1Layout();
        Plan p = plan("", CgroupFixtures.v1Cgroup(layout, "j1"), layout, true);
        assertFalse(p.steps().stream().anyMatch(r -> r.get(0).equals("cgroupjoin")));
        assertEquals(List.of(), records(p.header(), "cgroupprocs"));
        assertEquals(List.of(), records(p.header(), "clonecgroup"));
    }
}
