package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Start with a definition that cannot run: a named error with the reason, and nothing left behind. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadConfigTest extends SharedRigTest {
    /** Host mount lines that mention the container's root, bind source or name. */
    private static List<String> mountsMentioning(String... needles) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> java.util.Arrays.stream(needles).anyMatch(l::contains)).toList();
    }

    private void assertNothingLeft(String name, List<String> mountsBefore, String... needles) throws Exception {
        assertEquals(List.of(), Rig.existingCgroupDirs(name), "no cgroup directory");
        assertEquals(List.of(), rig.supervisorsOf(name), "no supervisor process");
        assertFalse(Files.exists(rig.runtimeDir().resolve(name + ".sock")), "no control socket");
        assertFalse(Files.exists(rig.runtimeDir().resolve(name + ".state")), "no state file");
        assertEquals(mountsBefore, mountsMentioning(needles), "no new mount on the host");
    }

    /** Defines, starts (fails), and checks the error, the state and what is left. */
    private void persistentStartFails(LxcXml xml, String errorName, String... messageParts) throws Exception {
        String name = xml.name();
        rig.define(xml);
        Path config = rig.configDir().resolve(name + ".xml");
        byte[] configBefore = Files.readAllBytes(config);
        List<String> mountsBefore = mountsMentioning(name, "corral-root", "corral-host");
        Cli.Result r = rig.cli().python("container(sys.argv[1]).Start(dbus.Array([], signature='h'), dbus.UInt32(0))",
                Domains.path(name));
        r.assertFailure();
        assertEquals(errorName, Rig.errorName(r), r.describe());
        for (String part : messageParts) {
            assertTrue(r.stderr().contains(part), "the message states the reason (" + part + "): " + r.stderr());
        }
        assertEquals("shutoff", rig.state(name));
        assertEquals(0, rig.leader(name));
        assertTrue(java.util.Arrays.equals(configBefore, Files.readAllBytes(config)), "config file unchanged");
        assertNothingLeft(name, mountsBefore, name, "corral-root", "corral-host");
    }

    /** CreateXML fails; the transient container is gone. */
    private void createFails(LxcXml xml, String errorName, String... messageParts) throws Exception {
        String name = rig.track(xml.name());
        List<String> mountsBefore = mountsMentioning(name, "corral-root", "corral-host");
        Cli.Result r = rig.cli().python("mgr.CreateXML(sys.argv[1], dbus.Array([], signature='h'), dbus.UInt32(0))", xml.xml());
        r.assertFailure();
        assertEquals(errorName, Rig.errorName(r), r.describe());
        for (String part : messageParts) {
            assertTrue(r.stderr().contains(part), "the message states the reason (" + part + "): " + r.stderr());
        }
        assertFalse(rig.exists(name), "a failed CreateXML leaves no container: " + rig.corral().list());
        assertFalse(Files.exists(rig.configDir().resolve(name + ".xml")), "nothing written");
        assertNothingLeft(name, mountsBefore, name, "corral-root", "corral-host");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void initMissingInTheRoot() throws Exception {
        BusyboxRoot root = rig.newRoot();
        persistentStartFails(LxcXml.named("rt-bad-init").root(root).init("/sbin/nope"), "org.corral1.Error.Failed",
                "init /sbin/nope not found in root " + root.path());
        createFails(LxcXml.named("rt-bad-init2").root(root).init("/sbin/nope"), "org.corral1.Error.Failed",
                "init /sbin/nope not found in root " + root.path());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void missingRootDirectory() throws Exception {
        Path missing = rig.newHostDir().resolve("no-such-root");
        persistentStartFails(LxcXml.named("rt-bad-root").root(missing).init("/bin/sh"), "org.corral1.Error.Failed",
                missing.toString(), "does not exist");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void missingBindSource() throws Exception {
        BusyboxRoot root = rig.newRoot();
        Path missing = rig.newHostDir().resolve("no-such-source");
        persistentStartFails(LxcXml.named("rt-bad-bind").root(root).init(root.script("init.sh", "sleep 100\n"))
                .bind(missing, "/data", false), "org.corral1.Error.Failed", missing.toString(), "does not exist");
        assertFalse(Files.exists(root.path().resolve("data")), "no mount point made in the root either");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void noConsole() throws Exception {
        BusyboxRoot root = rig.newRoot();
        createFails(LxcXml.named("rt-bad-console").root(root).init(root.script("init.sh", "sleep 100\n")).consoles(0),
                "org.corral1.Error.InvalidConfig", "console");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unsupportedInterfaceTypeIsRefusedAtStart() throws Exception {
        BusyboxRoot root = rig.newRoot();
        LxcXml xml = LxcXml.named("rt-bad-net").root(root).init(root.script("init.sh", "sleep 100\n"))
                .device("<interface type='direct'><source dev='eth0' mode='bridge'/></interface>");
        persistentStartFails(xml, "org.corral1.Error.InvalidConfig", "<interface", "not supported yet");
        createFails(LxcXml.named("rt-bad-net2").root(root).init("/bin/sh")
                .device("<interface type='direct'><source dev='eth0' mode='bridge'/></interface>"),
                "org.corral1.Error.InvalidConfig", "<interface", "not supported yet");
    }

    /**
     * The cgroup is made while init already sets up its namespaces (it waits at its gate): a
     * cgroup that cannot be made ends the start there, with init and its supervisor, and leaves
     * only what was there before (here, a busy leftover directory of another process).
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aCgroupThatCannotBeMadeEndsTheStartAtTheGate() throws Exception {
        String name = "rt-bad-cgroup";
        Path busy = Rig.cgroupDirs(name).get(0);
        BusyboxRoot root = rig.newRoot();
        rig.define(LxcXml.named(name).root(root).init(root.script("init.sh", "sleep 100\n")));
        Files.createDirectories(busy);
        Process sleeper = new ProcessBuilder("sleep", "100").start();
        try {
            Files.writeString(busy.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
            Cli.Result r = rig.cli().python("container(sys.argv[1]).Start(dbus.Array([], signature='h'), dbus.UInt32(0))",
                    Domains.path(name));
            r.assertFailure();
            assertEquals("org.corral1.Error.Failed", Rig.errorName(r), r.describe());
            assertTrue(r.stderr().contains(busy + " exists and still has processes"), r.stderr());
            assertEquals("shutoff", rig.state(name));
            assertEquals(List.of(), rig.supervisorsOf(name), "no supervisor process");
            assertFalse(Files.exists(rig.runtimeDir().resolve(name + ".sock")), "no control socket");
            assertFalse(Files.exists(rig.runtimeDir().resolve(name + ".state")), "no state file");
            assertEquals(List.of(busy), Rig.existingCgroupDirs(name), "only the leftover directory");
            assertFalse(Files.exists(Rig.unitCgroupDir(name)), "no unit directory");
            // The service goes on: the same container starts once the leftover is gone.
            sleeper.destroyForcibly().waitFor();
            Files.delete(busy);
            rig.start(name);
            assertEquals("running", rig.state(name));
            rig.call(name, "Destroy").assertSuccess();
        } finally {
            sleeper.destroyForcibly().waitFor();
            if (Files.isDirectory(busy)) {
                Files.delete(busy);
            }
        }
    }

    /**
     * A bridge that does not exist is found while init waits in its pause: the start fails with
     * the bridge named, and the supervisor that waited for `go` ends with init.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aMissingBridgeEndsTheSupervisorThatWaitedForGo() throws Exception {
        BusyboxRoot root = rig.newRoot();
        String bridge = "<interface type='bridge'><source bridge='nosuchbr0'/></interface>";
        persistentStartFails(LxcXml.named("rt-bad-bridge").root(root).init(root.script("init.sh", "sleep 100\n"))
                .device(bridge), "org.corral1.Error.Failed", "nosuchbr0", "does not exist");
        createFails(LxcXml.named("rt-bad-bridge2").root(root).init("/bin/sh").device(bridge),
                "org.corral1.Error.Failed", "nosuchbr0", "does not exist");
    }
}
