package org.corral.launcher.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Where a container runs inside a systemd machine scope, without touching the host's cgroups. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PayloadCgroupTest {

    private static CgroupLayout v1WithFreezer() throws Exception {
        return CgroupLayout.parse(List.of(
                "32 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "33 31 0:30 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices",
                "34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
                "35 31 0:32 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer"), v2 -> Set.of());
    }

    @Test
    void thePayloadIsAChildOfTheScopeInEveryHierarchy() throws Exception {
        ContainerCgroup cg = new CgroupManager(v1WithFreezer()).payloadOf("/machine.slice/machine-web.scope");
        assertEquals("/machine.slice/machine-web.scope/payload", cg.relativePath());
        assertEquals(4, cg.directories().size());
        assertEquals(Path.of("/sys/fs/cgroup/freezer/machine.slice/machine-web.scope/payload/cgroup.procs"),
                cg.procsFiles().get(3));
    }

    @Test
    void aRestartedServiceFindsThePayloadByItsRecordedPath() throws Exception {
        CgroupManager m = new CgroupManager(v1WithFreezer());
        ContainerCgroup again = m.existing("/machine.slice/machine-web.scope/payload");
        assertEquals(m.payloadOf("/machine.slice/machine-web.scope").directories(), again.directories());
        assertEquals(List.of(), again.unitDirectory().stream().toList());
    }

    @Test
    void onV1TheEmptyScopeDirectoriesAreRemovedInEveryHierarchy() throws Exception {
        ContainerCgroup cg = new CgroupManager(v1WithFreezer()).payloadOf("/machine.slice/machine-web.scope");
        assertEquals(4, cg.emptyParents().size());
        assertEquals(Path.of("/sys/fs/cgroup/freezer/machine.slice/machine-web.scope"), cg.emptyParents().get(3));
    }

    @Test
    void onV2TheScopeIsSystemdsAlone() throws Exception {
        CgroupLayout v2 = CgroupLayout.parse(List.of("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw"),
                dir -> Set.of("memory", "cpu", "io", "pids"));
        ContainerCgroup cg = new CgroupManager(v2).payloadOf("/machine.slice/machine-web.scope");
        assertEquals(List.of(Path.of("/sys/fs/cgroup/machine.slice/machine-web.scope/payload")), cg.directories());
        assertEquals(List.of(), cg.emptyParents());
    }

    /**
     * systemd trims a stopped scope (payload included) in the hierarchies it manages while corral
     * removes it everywhere: a directory gone before corral's rmdir must not stop the rest (a
     * CI run left the scope in cpuacct, cpuset and freezer that way). Plain directories stand in
     * for cgroups here; the systemd tier checks the real race.
     */
    @Test
    void aPayloadAlreadyRemovedBySystemdDoesNotStopTheRest(@TempDir Path root) throws Exception {
        List<Path> payloads = new java.util.ArrayList<>();
        List<Path> scopes = new java.util.ArrayList<>();
        for (String h : List.of("memory", "cpuacct", "freezer")) {
            Path scope = root.resolve(h).resolve("machine-web.scope");
            scopes.add(scope);
            payloads.add(scope.resolve("payload"));
            Files.createDirectories(scope.resolve("payload"));
        }
        Files.delete(payloads.get(0));
        Files.delete(scopes.get(0));
        new ContainerCgroup("/machine-web.scope/payload", payloads, false, null, scopes).remove();
        for (Path s : scopes) {
            assertFalse(Files.exists(s), s + " left");
        }
    }
}
