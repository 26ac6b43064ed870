package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.Install;
import org.corral.it.Poll;
import org.corral.it.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every lifecycle verb through busctl, gdbus and python3-dbus, with the signals and properties it causes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LifecycleVerbsTest extends SharedRigTest {
    /** An init that powers off on SIGTERM, reboots (exits) on SIGHUP and counts its boots in /out/boots. */
    private static final String POLITE_INIT = """
            trap 'exit 0' TERM
            trap 'exit 0' HUP
            echo "boot GEN=$GEN" >> /out/boots
            while :; do sleep 1; done
            """;

    private record Made(String name, Path out, BusyboxRoot root) {
    }

    private Made politeContainer(String name) {
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        LxcXml xml = LxcXml.named(name).root(root).init(root.script("init.sh", POLITE_INIT)).bind(out, "/out", false)
                .initenv("GEN", "1");
        rig.define(xml);
        return new Made(name, out, root);
    }

    private Cli.Result gdbus(String name, String method, String... args) {
        return rig.cli().gdbusCall(Domains.path(name), Install.CONTAINER_IFACE + "." + method, args);
    }

    private static long boots(Path out) {
        return Rig.read(out.resolve("boots")).lines().count();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void startPropertiesSignalsAndDestroy() {
        Made c = politeContainer("rt-life");
        String path = Domains.path(c.name());
        Cli.Background listener = rig.listen();
        long before = System.currentTimeMillis() * 1000;
        rig.start(c.name());
        long after = System.currentTimeMillis() * 1000;

        assertEquals("running", rig.state(c.name()));
        long leader = rig.leader(c.name());
        long supervisor = Long.parseLong(rig.prop(c.name(), "SupervisorPID"));
        long startedAt = Long.parseLong(rig.prop(c.name(), "StartedAt"));
        assertTrue(Processes.isAlive(leader) && Processes.cmdline(leader).contains("/init.sh"),
                "Leader " + leader + " is init: " + Processes.cmdline(leader));
        assertTrue(Processes.isAlive(supervisor) && Processes.cmdline(supervisor).startsWith("corral-sup"),
                "SupervisorPID " + supervisor + ": " + Processes.cmdline(supervisor));
        assertTrue(startedAt >= before - 1_000_000 && startedAt <= after + 1_000_000,
                "StartedAt " + startedAt + " within the call [" + before + ", " + after + "]");
        assertEquals("/machine/" + c.name() + ".corral", rig.prop(c.name(), "CgroupPath"));
        assertEquals(0, rig.exitStatus(c.name()), "ExitStatus before the first end");

        Cli.Result again = gdbus(c.name(), "Start", "@ah []", "0").assertFailure();
        assertEquals("org.corral1.Error.AlreadyRunning", Rig.errorName(again), again.describe());

        gdbus(c.name(), "Destroy").assertSuccess();
        assertEquals("shutoff", rig.state(c.name()), "Destroy returns when the container is gone");
        assertEquals(137, rig.exitStatus(c.name()), "killed by SIGKILL");
        assertEquals(0, rig.leader(c.name()));
        assertEquals(0, Long.parseLong(rig.prop(c.name(), "SupervisorPID")));
        assertEquals("", rig.prop(c.name(), "CgroupPath"));
        assertEquals("0", rig.prop(c.name(), "StartedAt"));
        assertEquals(List.of(), Rig.existingCgroupDirs(c.name()), "cgroup gone");
        assertFalse(Processes.isAlive(leader), "init gone");
        Poll.require(Rig.WAIT, () -> !Processes.isAlive(supervisor), () -> "supervisor " + supervisor + " still runs");

        Poll.until(Rig.WAIT, () -> Rig.signals(listener, path, "StateChanged").size() >= 3);
        assertEquals(List.of("starting booted", "running booted", "shutoff destroyed"),
                Rig.signals(listener, path, "StateChanged"), "StateChanged in order:\n" + listener.stdout());
        List<String> props = Rig.signals(listener, path, "PropertiesChanged");
        assertTrue(props.stream().anyMatch(p -> p.contains("State=running") && p.contains("Leader=" + leader)),
                "PropertiesChanged with State and Leader:\n" + props);
        assertTrue(props.stream().anyMatch(p -> p.contains("State=shutoff") && p.contains("Leader=0")),
                "PropertiesChanged at the end:\n" + props);

        // Stopped: every stop verb says NotRunning, through each client.
        for (String method : List.of("Shutdown", "Reboot")) {
            Cli.Result r = rig.cli().python("container(sys.argv[1])." + method + "(dbus.UInt32(0))", path);
            assertEquals("org.corral1.Error.NotRunning", Rig.errorName(r), r.describe());
            Cli.Result g = gdbus(c.name(), method, "0");
            assertEquals("org.corral1.Error.NotRunning", Rig.errorName(g), g.describe());
        }
        Cli.Result r = rig.cli().python("container(sys.argv[1]).Destroy()", path);
        assertEquals("org.corral1.Error.NotRunning", Rig.errorName(r), r.describe());
        rig.call(c.name(), "Destroy").assertFailure();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shutdownBySignalAndRebootWithTheLiveDefinition() {
        Made c = politeContainer("rt-reboot");
        String path = Domains.path(c.name());
        Cli.Background listener = rig.listen();
        rig.cli().python("container(sys.argv[1]).Start(dbus.Array([], signature='h'), dbus.UInt32(0))", path).assertSuccess();
        Poll.require(Rig.WAIT, () -> boots(c.out()) == 1, () -> "first boot: " + Rig.read(c.out().resolve("boots")));
        long first = rig.leader(c.name());
        // Redefine while running: the reboot keeps the live definition (GEN=1).
        rig.define(LxcXml.named(c.name()).root(c.root())
                .init("/init.sh").bind(c.out(), "/out", false).initenv("GEN", "2"));

        gdbus(c.name(), "Reboot", "0").assertSuccess();
        Poll.require(Rig.WAIT, () -> boots(c.out()) == 2 && "running".equals(rig.state(c.name())),
                () -> "second boot: " + Rig.read(c.out().resolve("boots")) + " state " + rig.state(c.name()));
        long second = rig.leader(c.name());
        assertNotEquals(first, second, "a new init after Reboot");
        assertEquals(List.of("boot GEN=1", "boot GEN=1"), Rig.read(c.out().resolve("boots")).lines().toList(),
                "the reboot uses the live definition, not the redefined one");
        assertEquals(List.of("starting booted", "running booted", "stopping requested", "starting rebooted", "running rebooted"),
                Rig.signals(listener, path, "StateChanged"), listener.stdout());

        // Shutdown through python3-dbus: init's TERM trap exits 0.
        rig.cli().python("container(sys.argv[1]).Shutdown(dbus.UInt32(0))", path).assertSuccess();
        rig.awaitState(c.name(), "shutoff");
        assertEquals(0, rig.exitStatus(c.name()));
        Poll.until(Rig.WAIT, () -> Rig.signals(listener, path, "StateChanged").size() >= 7);
        List<String> states = Rig.signals(listener, path, "StateChanged");
        assertEquals(List.of("stopping requested", "shutoff shutdown"), states.subList(5, states.size()), listener.stdout());

        // The next start takes the new definition.
        rig.start(c.name());
        Poll.require(Rig.WAIT, () -> boots(c.out()) == 3, () -> Rig.read(c.out().resolve("boots")));
        assertEquals("boot GEN=2", Rig.read(c.out().resolve("boots")).lines().toList().get(2));
        rig.call(c.name(), "Destroy").assertSuccess();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void onRebootDestroyStopsInsteadOfRestarting() {
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        String name = "rt-onreboot";
        rig.define(LxcXml.named(name).root(root).init(root.script("init.sh", POLITE_INIT)).bind(out, "/out", false)
                .onReboot("destroy"));
        rig.start(name);
        Poll.require(Rig.WAIT, () -> boots(out) == 1, () -> "boot");
        rig.call(name, "Reboot", "u", "0").assertSuccess();
        rig.awaitState(name, "shutoff");
        assertEquals(1, boots(out), "not started again");
        assertEquals(0, rig.leader(name));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shutdownThroughInitctlReturnsAtOnce() throws Exception {
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        String name = "rt-initctl";
        // A sysvinit stand-in: no TERM trap (PID 1 ignores SIGTERM), reads one request from its FIFO.
        String init = root.script("init.sh", """
                mkfifo /run/initctl
                echo ready > /out/ready
                head -c 384 /run/initctl > /out/request
                exit 0
                """);
        rig.define(LxcXml.named(name).root(root).init(init).bind(out, "/out", false));
        rig.start(name);
        rig.awaitFile(out.resolve("ready"));
        long t0 = System.nanoTime();
        rig.call(name, "Shutdown", "u", "4").assertSuccess(); // 4 = initctl only
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3000, "Shutdown returns at once, took " + ms + " ms");
        rig.awaitState(name, "shutoff");
        byte[] req = Files.readAllBytes(out.resolve("request"));
        assertEquals(384, req.length, "one struct init_request");
        assertEquals(0x03091969, (req[0] & 0xff) | (req[1] & 0xff) << 8 | (req[2] & 0xff) << 16 | (req[3] & 0xff) << 24, "magic");
        assertEquals(1, req[4], "INIT_CMD_RUNLVL");
        assertEquals('0', req[8], "runlevel 0");
        assertEquals(0, rig.exitStatus(name));
    }

    /** An init that exits 3 until it has booted {@code crashes + 1} times. */
    private String crashingContainer(String name, String onCrash, int crashes) {
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        String init = root.script("init.sh", "echo boot >> /out/boots\n"
                + "if [ $(wc -l < /out/boots) -le " + crashes + " ]; then exit 3; fi\nwhile :; do sleep 1; done\n");
        rig.define(LxcXml.named(name).root(root).init(init).bind(out, "/out", false).onCrash(onCrash));
        return out.toString();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void onCrashRestartPreserveDestroyAndOnPoweroff() {
        Path restartOut = Path.of(crashingContainer("rt-crash-restart", "restart", 2));
        crashingContainer("rt-crash-preserve", "preserve", 100);
        crashingContainer("rt-crash-destroy", "destroy", 100);
        Cli.Background listener = rig.listen();
        rig.start("rt-crash-restart");
        Poll.require(Rig.WAIT, () -> boots(restartOut) == 3 && "running".equals(rig.state("rt-crash-restart")),
                () -> "restarted twice: " + Rig.read(restartOut.resolve("boots")) + " " + rig.state("rt-crash-restart"));
        assertEquals(3, rig.exitStatus("rt-crash-restart"), "the last end was exit 3");
        assertTrue(Rig.signals(listener, Domains.path("rt-crash-restart"), "StateChanged").contains("starting crashed"),
                listener.stdout());

        rig.start("rt-crash-preserve");
        rig.awaitState("rt-crash-preserve", "crashed");
        assertEquals(3, rig.exitStatus("rt-crash-preserve"));
        assertEquals(0, rig.leader("rt-crash-preserve"));
        assertEquals(List.of(), Rig.existingCgroupDirs("rt-crash-preserve"));

        rig.start("rt-crash-destroy");
        rig.awaitState("rt-crash-destroy", "shutoff");
        assertEquals(3, rig.exitStatus("rt-crash-destroy"));
        Poll.until(Rig.WAIT, () -> Rig.signals(listener, Domains.path("rt-crash-destroy"), "StateChanged").size() >= 3);
        assertEquals(List.of("starting booted", "running booted", "shutoff crashed"),
                Rig.signals(listener, Domains.path("rt-crash-destroy"), "StateChanged"));

        // on_poweroff: init exits 0 by itself.
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        String init = root.script("init.sh", "echo boot >> /out/boots\n"
                + "if [ $(wc -l < /out/boots) -le 1 ]; then exit 0; fi\nwhile :; do sleep 1; done\n");
        rig.define(LxcXml.named("rt-poweroff").root(root).init(init).bind(out, "/out", false).onPoweroff("restart"));
        rig.start("rt-poweroff");
        Poll.require(Rig.WAIT, () -> boots(out) == 2 && "running".equals(rig.state("rt-poweroff")), () -> "restart on poweroff");
        rig.call("rt-poweroff", "Destroy").assertSuccess();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void transientContainerComesAndGoesByItself() {
        BusyboxRoot root = rig.newRoot();
        String name = rig.track("rt-transient");
        Cli.Background listener = rig.listen();
        Cli.Result r = rig.cli().python("print(mgr.CreateXML(sys.argv[1], dbus.Array([], signature='h'), dbus.UInt32(0)))",
                LxcXml.named(name).root(root).init("/bin/true").xml());
        r.assertSuccess();
        assertEquals(Domains.path(name), r.stdout().trim());
        Poll.require(Rig.WAIT, () -> !rig.exists(name), () -> "transient container still listed: " + rig.corral().list());
        Poll.require(Rig.WAIT, () -> Rig.signals(listener, "/org/corral1", "ContainerRemoved").size() == 1, listener::stdout);
        assertEquals(List.of(name + " " + Domains.path(name)), Rig.signals(listener, "/org/corral1", "ContainerNew"));
        assertEquals(List.of(name + " " + Domains.path(name)), Rig.signals(listener, "/org/corral1", "ContainerRemoved"));
        assertFalse(rig.corral().list().contains(name));
        assertEquals(List.of(), Rig.existingCgroupDirs(name));
        // No file of it is left in the runtime dir, its console and supervisor logs included.
        try (var files = Files.list(rig.runtimeDir())) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(name + "."))
                    .toList());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void undefineWhileRunningMakesItTransient() {
        Made c = politeContainer("rt-undef");
        Path config = rig.configDir().resolve(c.name() + ".xml");
        rig.start(c.name());
        assertTrue(Files.exists(config));
        rig.call(c.name(), "Undefine").assertSuccess();
        assertEquals("running", rig.state(c.name()));
        assertEquals("false", rig.prop(c.name(), "Persistent"));
        assertEquals("", rig.prop(c.name(), "ConfigPath"));
        assertFalse(Files.exists(config), "definition file removed");
        rig.call(c.name(), "Destroy").assertSuccess();
        Poll.require(Rig.WAIT, () -> !rig.exists(c.name()), () -> "gone after destroy: " + rig.corral().list());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void managerNameFirstVerbs() {
        Made c = politeContainer("rt-mgr");
        rig.manager("StartContainer", "sahu", c.name(), "0", "0").assertSuccess();
        assertEquals("running", rig.state(c.name()));
        Poll.require(Rig.WAIT, () -> boots(c.out()) == 1, () -> "boot");
        long first = rig.leader(c.name());
        rig.manager("RebootContainer", "su", c.name(), "0").assertSuccess();
        Poll.require(Rig.WAIT, () -> boots(c.out()) == 2 && "running".equals(rig.state(c.name())), () -> "reboot");
        assertNotEquals(first, rig.leader(c.name()));
        rig.manager("ShutdownContainer", "su", c.name(), "0").assertSuccess();
        rig.awaitState(c.name(), "shutoff");
        assertEquals(0, rig.exitStatus(c.name()));
        rig.manager("StartContainer", "sahu", c.name(), "0", "0").assertSuccess();
        rig.manager("DestroyContainer", "s", c.name()).assertSuccess();
        assertEquals("shutoff", rig.state(c.name()));
        assertEquals(137, rig.exitStatus(c.name()));
        Cli.Result r = rig.cli().python("mgr.DestroyContainer(sys.argv[1])", c.name());
        assertEquals("org.corral1.Error.NotRunning", Rig.errorName(r), r.describe());
    }
}
