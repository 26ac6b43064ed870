package org.corral.it.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.Install;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Error paths of the contract's verbs: unknown names on the Manager's name-first verbs, verbs in
 * the wrong state, unsupported flags. After each the service still answers and nothing changed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class VerbErrorsTest {
    private static final String RUNNING = "us-err-run";
    private static final String STOPPED = "us-err-off";
    private static final String NOSUCH = "us-err-nosuch";
    private static final String INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs";
    private Rig rig;
    private long leader;

    @BeforeAll
    void up() {
        rig = Rig.start();
        rig.define(LxcXml.named(RUNNING).root(rig.newRoot()).init("/bin/sleep", "100000"));
        rig.define(LxcXml.named(STOPPED).root(rig.newRoot()).init("/bin/sleep", "100000"));
        rig.start(RUNNING);
        leader = rig.leader(RUNNING);
    }

    @AfterAll
    void down() {
        if (rig != null) {
            rig.close();
        }
    }

    /** A python3-dbus call; returns the D-Bus error name or "OK". */
    private String py(String call, String... args) {
        Cli.Result r = rig.cli().python(call, args);
        return r.ok() ? "OK" : Rig.errorName(r);
    }

    private void assertError(String want, String call, String... args) {
        assertEquals(want, py(call, args), call + " " + List.of(args));
        assertTrue(rig.corral().answers(), "the service answers ListContainers after " + call);
    }

    private void assertUnchanged() {
        assertEquals("running", rig.state(RUNNING));
        assertEquals(leader, rig.leader(RUNNING));
        assertEquals("shutoff", rig.state(STOPPED));
        String list = rig.corral().list();
        assertTrue(list.contains(RUNNING) && list.contains(STOPPED) && !list.contains(NOSUCH), list);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void unknownNameOnEveryNameFirstVerb() {
        String no = "org.corral1.Error.NoSuchContainer";
        assertError(no, "mgr.StartContainer(sys.argv[1], dbus.Array([], signature='h'), dbus.UInt32(0))", NOSUCH);
        assertError(no, "mgr.ShutdownContainer(sys.argv[1], dbus.UInt32(0))", NOSUCH);
        assertError(no, "mgr.RebootContainer(sys.argv[1], dbus.UInt32(0))", NOSUCH);
        assertError(no, "mgr.DestroyContainer(sys.argv[1])", NOSUCH);
        assertError(no, "mgr.UndefineContainer(sys.argv[1])", NOSUCH);
        assertError(no, "mgr.GetContainerXML(sys.argv[1], dbus.UInt32(0))", NOSUCH);
        assertError(no, "mgr.GetContainerXML(sys.argv[1], dbus.UInt32(1))", NOSUCH);
        assertError(no, "mgr.GetContainer(sys.argv[1])", NOSUCH);
        // The same through busctl and gdbus.
        Cli.Result b = rig.manager("DestroyContainer", "s", NOSUCH);
        assertTrue(!b.ok() && b.stderr().contains(NOSUCH), b.describe());
        Cli.Result g = rig.cli().gdbusCall(Install.MANAGER_PATH, Install.MANAGER_IFACE + ".StartContainer", NOSUCH, "@ah []", "0");
        assertEquals(no, Rig.errorName(g), g.describe());
        assertUnchanged();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void wrongState() {
        String notRunning = "org.corral1.Error.NotRunning";
        for (String via : List.of("mgr.%sContainer(sys.argv[1]%s)", "container(sys.argv[2]).%s(%s)")) {
            String sep = via.startsWith("mgr") ? ", " : "";
            assertError(notRunning, String.format(via, "Shutdown", sep + "dbus.UInt32(0)"), STOPPED, Domains.path(STOPPED));
            assertError(notRunning, String.format(via, "Reboot", sep + "dbus.UInt32(0)"), STOPPED, Domains.path(STOPPED));
            assertError(notRunning, String.format(via, "Destroy", ""), STOPPED, Domains.path(STOPPED));
            assertError("org.corral1.Error.AlreadyRunning",
                    String.format(via, "Start", sep + "dbus.Array([], signature='h'), dbus.UInt32(0)"), RUNNING, Domains.path(RUNNING));
        }
        assertError(notRunning, "container(sys.argv[1]).GetStats()", Domains.path(STOPPED));
        assertUnchanged();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void unsupportedFlags() {
        String run = Domains.path(RUNNING);
        String off = Domains.path(STOPPED);
        for (String flags : List.of("1", "0x80000000")) {
            assertError(INVALID_ARGS, "container(sys.argv[1]).Start(dbus.Array([], signature='h'), dbus.UInt32(" + flags + "))", off);
            assertError(INVALID_ARGS, "mgr.StartContainer(sys.argv[1], dbus.Array([], signature='h'), dbus.UInt32(" + flags + "))",
                    STOPPED);
            assertError(INVALID_ARGS, "container(sys.argv[1]).GetXML(dbus.UInt32(" + (flags.equals("1") ? "3" : flags) + "))", run);
            assertError(INVALID_ARGS, "mgr.GetContainerXML(sys.argv[1], dbus.UInt32(" + (flags.equals("1") ? "2" : flags) + "))",
                    RUNNING);
        }
        // Shutdown/Reboot know 4 (initctl) and 8 (signal) only; a bad flag must not stop the container.
        for (String flags : List.of("2", "16", "0x80000000")) {
            assertError(INVALID_ARGS, "container(sys.argv[1]).Shutdown(dbus.UInt32(" + flags + "))", run);
            assertError(INVALID_ARGS, "mgr.ShutdownContainer(sys.argv[1], dbus.UInt32(" + flags + "))", RUNNING);
            assertError(INVALID_ARGS, "container(sys.argv[1]).Reboot(dbus.UInt32(" + flags + "))", run);
            assertError(INVALID_ARGS, "mgr.RebootContainer(sys.argv[1], dbus.UInt32(" + flags + "))", RUNNING);
        }
        assertError(INVALID_ARGS, "mgr.CreateXML(sys.argv[1], dbus.Array([], signature='h'), dbus.UInt32(1))",
                LxcXml.named("us-err-create").root(rig.newRoot()).init("/bin/true").xml());
        assertTrue(!rig.exists("us-err-create"), "CreateXML with bad flags creates nothing");
        // Exec with a relative command path.
        assertEquals(INVALID_ARGS, Rig.errorName(Usage.execRaw(rig, run, 0, "", "bin/true")), "a relative command path");
        assertUnchanged();
    }
}
