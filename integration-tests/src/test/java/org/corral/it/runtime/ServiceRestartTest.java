package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.corral.it.Poll;
import org.corral.it.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service dies (SIGKILL) or stops (SIGTERM) while containers run; the containers go on, and
 * the next service finds them again in a consistent state.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServiceRestartTest extends SharedRigTest {
    /** A container whose init exits with /out/exit's number once that file appears, and powers off on TERM. */
    private Path define(String name) {
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        String init = root.script("init.sh", """
                trap 'exit 0' TERM
                echo up > /out/up
                while [ ! -e /out/exit ]; do sleep 0.1; done
                exit $(cat /out/exit)
                """);
        rig.define(LxcXml.named(name).root(root).init(init).bind(out, "/out", false));
        return out;
    }

    private void assertEnded(String name, String state, int exitStatus) {
        rig.awaitState(name, state);
        assertEquals(exitStatus, rig.exitStatus(name), "ExitStatus");
        assertEquals(0, rig.leader(name));
        Poll.require(Rig.WAIT, () -> Rig.existingCgroupDirs(name).isEmpty(), () -> "cgroups left: " + Rig.existingCgroupDirs(name));
        Poll.require(Rig.WAIT, () -> rig.supervisorsOf(name).isEmpty(), () -> "supervisor left: " + rig.supervisorsOf(name));
        assertFalse(Files.exists(rig.runtimeDir().resolve(name + ".sock")), "socket removed");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sigkillWhileRunningThenReattachAndDestroy() {
        String name = "rt-re-kill";
        Path out = define(name);
        rig.start(name);
        rig.awaitFile(out.resolve("up"));
        long leader = rig.leader(name);
        rig.service().kill();
        assertTrue(Processes.isAlive(leader), "the container outlives the service");
        rig.restartService();
        assertEquals("running", rig.state(name));
        assertEquals(leader, rig.leader(name), "same Leader after re-attaching");
        assertEquals("/machine/" + name + ".corral", rig.prop(name, "CgroupPath"));
        rig.call(name, "Destroy").assertSuccess();
        assertEnded(name, "shutoff", 137);
        assertFalse(Processes.isAlive(leader));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void initEndsWhileTheServiceIsDown() throws Exception {
        String name = "rt-re-down";
        Path out = define(name);
        rig.start(name);
        rig.awaitFile(out.resolve("up"));
        long leader = rig.leader(name);
        rig.service().kill();
        Files.writeString(out.resolve("exit"), "5\n");
        Poll.require(Rig.WAIT, () -> !Processes.isAlive(leader), () -> "init " + leader + " did not exit");
        Poll.require(Rig.WAIT, () -> rig.supervisorsOf(name).isEmpty(), () -> "supervisor did not exit");
        rig.restartService();
        assertEnded(name, "shutoff", 5);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sigkillRightAfterStartReturned() {
        String name = "rt-re-start";
        Path out = define(name);
        rig.start(name);
        rig.service().kill();
        rig.restartService();
        assertEquals("running", rig.state(name));
        long leader = rig.leader(name);
        assertTrue(Processes.isAlive(leader), "Leader " + leader + " alive");
        rig.awaitFile(out.resolve("up"));
        assertTrue(Rig.pidsInNamespaceOf(leader).contains(leader), "Leader is in its own PID namespace");
        rig.call(name, "Destroy").assertSuccess();
        assertEnded(name, "shutoff", 137);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sigkillRightAfterShutdownWasRequested() {
        String name = "rt-re-stop";
        Path out = define(name);
        rig.start(name);
        rig.awaitFile(out.resolve("up"));
        rig.call(name, "Shutdown", "u", "0").assertSuccess();
        rig.service().kill();
        rig.restartService();
        String state = rig.state(name);
        assertTrue(List.of("stopping", "shutoff").contains(state), "stopping or already shutoff, not " + state);
        assertEnded(name, "shutoff", 0);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sigtermLeavesContainersRunning() throws Exception {
        String name = "rt-re-term";
        Path out = define(name);
        rig.start(name);
        rig.awaitFile(out.resolve("up"));
        long leader = rig.leader(name);
        assertEquals(0, rig.service().stop(), "corrald exits cleanly on SIGTERM");
        assertTrue(Processes.isAlive(leader), "the container goes on without the service");
        rig.restartService();
        assertEquals("running", rig.state(name));
        assertEquals(leader, rig.leader(name));
        // The re-attached container's end is seen by the new service.
        Files.writeString(out.resolve("exit"), "7\n");
        assertEnded(name, "shutoff", 7);
    }

    /**
     * The service keeps one supervisor spawned ahead of the next start: that start gets it (its
     * SupervisorPID is the standby's), a new one is spawned, and a standby ends with the service
     * that spawned it, even one killed with SIGKILL (its plan pipe closes).
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStandbySupervisorTakesTheNextStartAndEndsWithTheService() {
        String first = "rt-sb-1";
        String second = "rt-sb-2";
        define(first);
        define(second);
        rig.start(first);
        long servicePid = rig.service().pid();
        Poll.require(Rig.WAIT, () -> Rig.standbysOf(servicePid).size() == 1,
                () -> "one standby after a start, found " + Rig.standbysOf(servicePid));
        long standby = Rig.standbysOf(servicePid).get(0);
        rig.start(second);
        assertEquals(standby, Long.parseLong(rig.prop(second, "SupervisorPID")), "the start took the standby");
        Poll.require(Rig.WAIT, () -> Rig.standbysOf(servicePid).size() == 1 && !Rig.standbysOf(servicePid).contains(standby),
                () -> "a new standby after the second start, found " + Rig.standbysOf(servicePid));
        long next = Rig.standbysOf(servicePid).get(0);
        rig.service().kill();
        Poll.require(Rig.WAIT, () -> !Processes.isAlive(next), () -> "standby " + next + " outlived the service");
        assertTrue(Processes.isAlive(standby), "the container's supervisor goes on");
        rig.restartService();
        for (String name : List.of(first, second)) {
            assertEquals("running", rig.state(name));
            rig.call(name, "Destroy").assertSuccess();
            assertEnded(name, "shutoff", 137);
        }
    }
}
