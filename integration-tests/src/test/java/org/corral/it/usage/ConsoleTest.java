package org.corral.it.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.Processes;
import org.corral.it.runtime.BusyboxRoot;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Container.OpenConsole through python3-dbus: a socket relayed to the console pty, one client at
 * a time (Busy, force take-over), detaching without disturbing init, devnames, and consoles
 * across a SIGKILL of the service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsoleTest {
    /*
     * Every test has containers of its own and opens each console at most once without force:
     * a console whose client went away, or that was taken over, must not leak into other tests.
     */
    private static final String TALK = "us-con-talk";
    private static final String DETACH = "us-con-detach";
    private static final String KILL = "us-con-kill";
    private static final String ONE = "us-con-one";
    /** Two consoles: init sh (WHO=first) on the first, a second interactive sh (WHO=second) on tty2. */
    private static final String TWO_A = "us-con-two-a";
    private static final String TWO_B = "us-con-two-b";
    private static final String STOPPED = "us-con-off";
    private Rig rig;

    @BeforeAll
    void up() {
        rig = Rig.start();
        for (String name : new String[] {TALK, DETACH, KILL, ONE}) {
            rig.define(LxcXml.named(name).root(rig.newRoot()).init("/bin/sh"));
            rig.start(name);
        }
        for (String name : new String[] {TWO_A, TWO_B}) {
            BusyboxRoot two = rig.newRoot();
            rig.define(LxcXml.named(name).root(two).consoles(2).init(two.script("init.sh", """
                    WHO=second setsid sh -i </dev/tty2 >/dev/tty2 2>&1 &
                    export WHO=first
                    exec /bin/sh
                    """)));
            rig.start(name);
        }
        rig.define(LxcXml.named(STOPPED).root(rig.newRoot()).init("/bin/sh"));
    }

    @AfterAll
    void down() {
        if (rig != null) {
            rig.close();
        }
    }

    private Map<String, String> run(String name, String script, String... args) {
        Cli.Result r = Usage.console(rig, script, args);
        assertEquals(0, r.exitCode(), "console script: " + r.describe() + "\n--- supervisor log ---\n"
                + Processes.readIfExists(rig.runtimeDir().resolve(name + ".log")));
        return Usage.fields(r.stdout());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void talkBusyAndForcedTakeOver() {
        long leader = rig.leader(TALK);
        Map<String, String> r = run(TALK, """
                p = sys.argv[1]
                s1 = con(p)
                say(s1, 'echo hello-$((6*7))')
                until(s1, 'hello-42')
                out('first', 'ok')
                out('second', err(lambda: con(p)))
                out('second-dev', err(lambda: con(p, 'console0')))
                s2 = con(p, '', 1)
                out('s1-after-takeover', eof(s1, 5))
                try:
                    say(s2, 'echo again-$((2+3))')
                    until(s2, 'again-5')
                    out('forced', 'ok')
                except BaseException as e:
                    out('forced', repr(e).replace(' ', '_'))
                """, Domains.path(TALK));
        assertEquals("ok", r.get("first"));
        assertEquals("org.corral1.Error.Busy", r.get("second"), "a second client while one is attached");
        assertEquals("org.corral1.Error.Busy", r.get("second-dev"), "console0 is the same console");
        assertEquals("EOF", r.get("s1-after-takeover"), "the first client is cut off by a forced take-over");
        assertEquals(leader, rig.leader(TALK));
        assertEquals("running", rig.state(TALK));
        assertEquals("ok", r.get("forced"), "the client that took the console over (flags 1) talks to the shell");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void closingTheClientDetachesAndLeavesInitAlone() {
        long leader = rig.leader(DETACH);
        Map<String, String> r = run(DETACH, """
                p = sys.argv[1]
                s = con(p, 'console0')
                say(s, 'echo one-$((6*7))')
                until(s, 'one-42')
                out('first', 'ok')
                s.close()
                # How long does OpenConsole (no force) still say Busy after the only client closed?
                t0 = time.time()
                s = None
                while s is None:
                    try:
                        s = con(p)
                    except dbus.exceptions.DBusException as e:
                        if e.get_dbus_name() != 'org.corral1.Error.Busy' or time.time() - t0 > 10:
                            out('again', '%s_after_%.1f_s:_%s' % (e.get_dbus_name(), time.time() - t0,
                                                                   e.get_dbus_message().replace(' ', '_')))
                            break
                        time.sleep(0.5)
                out('busy-after-close', '%.2f' % (time.time() - t0))
                if s is not None:
                    say(s, 'echo two-$((7*6))')
                    until(s, 'two-42')
                    out('again', 'ok')
                """, Domains.path(DETACH));
        assertEquals("ok", r.get("first"));
        assertEquals("running", rig.state(DETACH), "closing the client leaves init alone; " + r + ", ExitStatus "
                + rig.exitStatus(DETACH) + "\n--- service log tail ---\n" + Rig.tail(rig.service().stderr()));
        assertEquals(leader, rig.leader(DETACH), "closing the client leaves init alone");
        assertTrue(Processes.isAlive(leader));
        assertEquals("ok", r.get("again"), "a new client (polling every 0.5 s) after the first one closed; "
                + "Busy until " + r.get("busy-after-close") + " s");
        double busy = Double.parseDouble(r.get("busy-after-close"));
        assertTrue(busy < 0.5, "after the only client closed its socket, OpenConsole (no force) still said Busy for "
                + busy + " s");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void devnames() {
        Map<String, String> one = run(ONE, """
                p = sys.argv[1]
                s = con(p, 'tty1')
                say(s, 'echo via-tty1-$((1+1))')
                until(s, 'via-tty1-2')
                out('tty1', 'ok')
                for dev in ('', 'console0'):
                    out('held-' + (dev or 'default'), err(lambda: con(p, dev)))
                for dev in ('console1', 'tty2', 'tty0', 'ttyS0', 'console', 'pts/0'):
                    out(dev, err(lambda: con(p, dev)))
                out('flags2', err(lambda: con(p, '', 2)))
                """, Domains.path(ONE));
        assertEquals("ok", one.get("tty1"), "tty1 is the first console");
        assertEquals("org.corral1.Error.Busy", one.get("held-default"), "'' is the console tty1 holds");
        assertEquals("org.corral1.Error.Busy", one.get("held-console0"), "console0 is the console tty1 holds");
        for (String dev : new String[] {"console1", "tty2", "tty0", "ttyS0", "console", "pts/0"}) {
            assertEquals("org.freedesktop.DBus.Error.InvalidArgs", one.get(dev), dev + " on a one-console container");
        }
        assertEquals("org.freedesktop.DBus.Error.InvalidArgs", one.get("flags2"), "unknown OpenConsole flag 2");

        // Two consoles, each opened once; the other names of a held console say Busy.
        String two = """
                p, first, second = sys.argv[1], sys.argv[2], sys.argv[3]
                a = con(p, first)
                b = con(p, second)
                say(b, 'echo who-$WHO-$((3*3))')
                text = until(b, '-9')
                out('second', 'first' if 'who-first-9' in text else 'second' if 'who-second-9' in text else 'other')
                say(a, 'echo who-$WHO-$((3*3))')
                text = until(a, '-9')
                out('first', 'first' if 'who-first-9' in text else 'second' if 'who-second-9' in text else 'other')
                for dev in ('', 'console0', 'tty1', 'console1', 'tty2', 'console2', 'tty3'):
                    out('again-' + (dev or 'default'), err(lambda: con(p, dev)))
                """;
        Map<String, String> a = run(TWO_A, two, Domains.path(TWO_A), "", "console1");
        Map<String, String> b = run(TWO_B, two, Domains.path(TWO_B), "tty1", "tty2");
        for (Map<String, String> m : List.of(a, b)) {
            assertEquals("first", m.get("first"), "'' and tty1 are the first <console>: " + m);
            assertEquals("second", m.get("second"), "console1 and tty2 are the second <console>: " + m);
            for (String dev : new String[] {"default", "console0", "tty1", "console1", "tty2"}) {
                assertEquals("org.corral1.Error.Busy", m.get("again-" + dev), dev + " names a held console: " + m);
            }
            assertEquals("org.freedesktop.DBus.Error.InvalidArgs", m.get("again-console2"));
            assertEquals("org.freedesktop.DBus.Error.InvalidArgs", m.get("again-tty3"));
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void stoppedContainerHasNoConsole() {
        Map<String, String> r = run(STOPPED, """
                out('stopped', err(lambda: con(sys.argv[1])))
                out('unknown', err(lambda: con(sys.argv[2])))
                """, Domains.path(STOPPED), Domains.path("us-con-nosuch"));
        assertEquals("org.corral1.Error.NotRunning", r.get("stopped"));
        assertTrue(r.get("unknown").startsWith("org."), "an unknown container is an error: " + r.get("unknown"));
        assertTrue(rig.corral().answers());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void sameShellAfterTheServiceWasKilled() {
        long leader = rig.leader(KILL);
        Map<String, String> before = run(KILL, """
                s = con(sys.argv[1])
                say(s, 'MARK=k$((3*3)); echo set-$MARK')
                until(s, 'set-k9')
                out('set', 'ok')
                """, Domains.path(KILL));
        assertEquals("ok", before.get("set"));

        rig.service().kill();
        assertTrue(Processes.isAlive(leader), "init survives the service");
        rig.restartService();

        assertEquals("running", rig.state(KILL));
        assertEquals(leader, rig.leader(KILL));
        Map<String, String> after = run(KILL, """
                s = con(sys.argv[1])
                say(s, 'echo mark-$MARK-$((5+5))')
                out('read', 'ok' if 'mark-k9-10' in until(s, '-10') else 'wrong')
                out('busy', err(lambda: con(sys.argv[1], 'tty1')))
                """, Domains.path(KILL));
        assertEquals("ok", after.get("read"), "the same shell, with the variable set before the restart");
        assertEquals("org.corral1.Error.Busy", after.get("busy"), "one client at a time after the restart too");
    }
}
