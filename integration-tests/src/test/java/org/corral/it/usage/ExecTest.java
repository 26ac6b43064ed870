package org.corral.it.usage;

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
import org.corral.it.runtime.BusyboxRoot;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Container.Exec (lxc-enter-namespace) with pipes as stdio, ExecExited, where the command runs, and its errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ExecTest {
    private static final String NAME = "us-exec";
    private static final String STOPPED = "us-exec-off";
    private Rig rig;

    @BeforeAll
    void up() {
        rig = Rig.start();
        BusyboxRoot root = rig.newRoot();
        rig.define(LxcXml.named(NAME).root(root).init(root.script("init.sh", "while :; do sleep 1; done\n")));
        rig.define(LxcXml.named(STOPPED).root(rig.newRoot()).init("/bin/sh"));
        rig.start(NAME);
    }

    @AfterAll
    void down() {
        if (rig != null) {
            rig.close();
        }
    }

    private static String read(Path p) throws Exception {
        return Files.readString(p);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void pipesExitCodeAndSignal() {
        Usage.Exec e = Usage.exec(rig, NAME, "hi there\n", "sh", "-c", "read x; echo \"got $x\"; echo err >&2; exit 7");
        assertEquals("got hi there\n", e.stdout(), e.toString());
        assertEquals("err\n", e.stderr(), e.toString());
        assertEquals(7, e.code(), e.toString());
        assertEquals(0, e.signal(), e.toString());
        assertEquals(Domains.path(NAME), e.path(), "ExecExited comes from the container's object");

        Usage.Exec k = Usage.exec(rig, NAME, "", "/bin/sh", "-c", "kill -9 $$");
        assertEquals(-1, k.code(), "killed: code -1; " + k);
        assertEquals(9, k.signal(), k.toString());
        assertNotEquals(e.id(), k.id(), "every Exec has its own id");
        assertEquals("running", rig.state(NAME), "commands ending do not touch the container");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void runsInTheContainersNamespacesCgroupAndBoundingSet() throws Exception {
        long leader = rig.leader(NAME);
        assertEquals(NAME, Usage.sh(rig, NAME, "hostname").trim(), "hostname inside an Exec");

        // cgroup: the same hierarchy paths as init, each the container's.
        String inside = Usage.sh(rig, NAME, "cat /proc/self/cgroup");
        String initCgroups = read(Path.of("/proc/" + leader + "/cgroup"));
        for (String line : inside.strip().split("\n")) {
            String[] f = line.split(":", 3);
            if (!f[1].isEmpty() && !f[1].startsWith("name=")) {
                assertEquals("/machine/" + NAME + ".corral", f[2], "controller " + f[1] + " in:\n" + inside);
            }
        }
        assertEquals(sortedLines(initCgroups), sortedLines(inside), "the Exec's cgroups are init's");

        // Capability bounding set: init's.
        String capBnd = read(Path.of("/proc/" + leader + "/status")).lines().filter(l -> l.startsWith("CapBnd:")).findFirst()
                .orElseThrow();
        assertEquals(capBnd, Usage.sh(rig, NAME, "grep CapBnd: /proc/self/status").strip());

        // PID namespace: PID 1 is init; every namespace is init's.
        String cmdline = Usage.sh(rig, NAME, "cat /proc/1/cmdline; echo");
        assertEquals(read(Path.of("/proc/" + leader + "/cmdline")), cmdline.substring(0, cmdline.length() - 1),
                "/proc/1/cmdline inside is init's command");
        for (String ns : List.of("pid", "mnt", "uts", "ipc", "net")) {
            assertEquals(Rig.nsOf(leader, ns), Usage.sh(rig, NAME, "readlink /proc/self/ns/" + ns).strip(), ns + " namespace");
        }
        assertNotEquals("1", Usage.sh(rig, NAME, "echo $$").strip(), "the command is not init");

        // A bare name is looked up in the container's /bin.
        Usage.Exec ls = Usage.exec(rig, NAME, "", "ls", "/");
        assertEquals(0, ls.code(), ls.toString());
        assertTrue(ls.stdout().lines().toList().containsAll(List.of("bin", "init.sh", "proc")), ls.stdout());
        // The default environment.
        String env = Usage.sh(rig, NAME, "env");
        assertTrue(env.lines().toList().containsAll(List.of("HOME=/", "TERM=linux", "container=lxc-libvirt")), env);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void errors() {
        String path = Domains.path(NAME);
        Cli.Result empty = Usage.execRaw(rig, path, 0, "", "--empty--");
        assertEquals("org.freedesktop.DBus.Error.InvalidArgs", Rig.errorName(empty), empty.describe());

        Cli.Result missing = Usage.execRaw(rig, path, 0, "", "no-such-command", "x");
        assertEquals("org.freedesktop.DBus.Error.InvalidArgs", Rig.errorName(missing), missing.describe());
        assertTrue(missing.stderr().contains("no-such-command"), "the message names the command: " + missing.stderr());

        Cli.Result missingAbs = Usage.execRaw(rig, path, 0, "", "/bin/no-such-command");
        assertEquals("org.freedesktop.DBus.Error.InvalidArgs", Rig.errorName(missingAbs),
                "a missing absolute command is 'command not found' too: " + missingAbs.describe());
        assertTrue(missingAbs.stderr().contains("/bin/no-such-command"), missingAbs.stderr());

        Cli.Result flags = Usage.execRaw(rig, path, 1, "", "/bin/true");
        assertEquals("org.freedesktop.DBus.Error.InvalidArgs", Rig.errorName(flags), flags.describe());

        Cli.Result stopped = Usage.execRaw(rig, Domains.path(STOPPED), 0, "", "/bin/true");
        assertEquals("org.corral1.Error.NotRunning", Rig.errorName(stopped), stopped.describe());

        Cli.Result unknown = Usage.execRaw(rig, Domains.path("us-no-such"), 0, "", "/bin/true");
        assertFalse(unknown.ok(), unknown.describe());
        assertTrue(Rig.errorName(unknown).startsWith("org."), "a D-Bus error: " + unknown.describe());

        assertTrue(rig.corral().answers(), "the service still answers");
        assertEquals("running", rig.state(NAME));
        // And a good command still runs afterwards.
        assertEquals("ok\n", Usage.sh(rig, NAME, "echo ok"));
    }

    private static List<String> sortedLines(String s) {
        return s.strip().lines().sorted().toList();
    }
}
