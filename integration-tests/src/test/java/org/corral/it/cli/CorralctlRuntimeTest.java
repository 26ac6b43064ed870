package org.corral.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Install;
import org.corral.it.Poll;
import org.corral.it.runtime.BusyboxRoot;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * corralctl driving real containers (busybox roots): start/destroy, list with the init's PID,
 * --pass-fds, create, stats and top, console (through a pty and from a script) and enter.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CorralctlRuntimeTest {
    private Rig rig;
    private Corralctl ctl;
    private BusyboxRoot root;

    @BeforeEach
    void start() {
        rig = Rig.start();
        ctl = new Corralctl(Install.fromBuild(), rig.cli().address());
        root = rig.newRoot();
    }

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    private Path xmlFile(LxcXml xml) throws IOException {
        rig.track(xml.name());
        Path dir = rig.newHostDir();
        Path file = dir.resolve(xml.name() + ".xml");
        Files.writeString(file, xml.xml());
        return file;
    }

    /** A container whose init is an interactive busybox sh on its console. */
    private LxcXml shell(String name) {
        return LxcXml.named(name).root(root).init("/bin/sh");
    }

    @Test
    void startListDestroyABusyboxContainer() throws IOException {
        String init = root.script("init.sh", "echo booted\nexec sleep 1000\n");
        ctl.run("define", xmlFile(LxcXml.named("bb").root(root).init(init)).toString()).assertSuccess();

        Cli.Result start = ctl.run("start", "bb").assertSuccess();
        assertEquals("Container bb started\n", start.stdout());
        assertEquals("running", rig.state("bb"));
        long leader = rig.leader("bb");
        assertTrue(leader > 1, "Leader " + leader);

        List<String[]> rows = CorralctlDefinitionsTest.rows(ctl.run("list").assertSuccess().stdout());
        assertEquals(1, rows.size());
        assertEquals(List.of(Long.toString(leader), "bb", "running"), List.of(rows.get(0)), "Id is the Leader PID");

        Cli.Result again = ctl.run("-v", "start", "bb");
        assertEquals(1, again.exitCode(), again.describe());
        assertTrue(again.stderr().trim().endsWith("(org.corral1.Error.AlreadyRunning)"), again.describe());

        assertEquals("Container bb destroyed\n", ctl.run("destroy", "bb").assertSuccess().stdout());
        assertEquals("shutoff", rig.state("bb"));
        assertEquals(List.of(), CorralctlDefinitionsTest.rows(ctl.run("list").assertSuccess().stdout()));
        List<String[]> all = CorralctlDefinitionsTest.rows(ctl.run("list", "--all").assertSuccess().stdout());
        assertEquals(List.of("-", "bb", "shutoff"), List.of(all.get(0)));
        Cli.Result destroyed = ctl.run("destroy", "bb");
        assertEquals(1, destroyed.exitCode());
        assertTrue(destroyed.stderr().startsWith("corralctl: ") && destroyed.stderr().contains("not running"), destroyed.describe());
    }

    @Test
    void startPassesTheCallersFdThreeToInit() throws IOException {
        Path out = rig.newHostDir();
        String init = root.script("init.sh", "cat <&3 > /out/x\necho \"$LISTEN_FDS $LISTEN_PID\" > /out/env\nexec sleep 1000\n");
        ctl.run("define", xmlFile(LxcXml.named("fd").root(root).init(init).bind(out, "/out", false)).toString())
                .assertSuccess();

        // As the seed's unit does: corralctl start --pass-fds 3 NAME, with a pipe on fd 3.
        ctl.sh("printf 'through-the-pipe' | \"$CORRALCTL\" start --pass-fds 3 \"$1\" 3<&0 </dev/null", "fd").assertSuccess();
        assertEquals("through-the-pipe", awaitContent(out.resolve("x"), "through-the-pipe"));
        assertEquals("1 1\n", awaitContent(out.resolve("env"), "1 1\n"), "LISTEN_FDS=1, LISTEN_PID=1");

        Cli.Result closed = ctl.sh("exec 3<&-; \"$CORRALCTL\" start --pass-fds 3 fd");
        assertEquals(1, closed.exitCode(), closed.describe());
        assertTrue(closed.stderr().startsWith("corralctl: --pass-fds: fd 3 is not open"), closed.describe());
    }

    private static String awaitContent(Path file, String expected) {
        Poll.until(Duration.ofSeconds(20), () -> expected.equals(org.corral.it.Processes.readIfExists(file)));
        return org.corral.it.Processes.readIfExists(file);
    }

    @Test
    void createStatsAndTopOfATransientContainer() throws IOException {
        String init = root.script("init.sh", "exec sleep 1000\n");
        Path file = xmlFile(LxcXml.named("tr").root(root).init(init));
        Cli.Result create = ctl.run("create", file.toString()).assertSuccess();
        assertEquals("Container tr created from " + file + "\n", create.stdout());
        assertEquals("running", rig.state("tr"));

        String stats = ctl.run("stats", "tr").assertSuccess().stdout();
        assertTrue(stats.matches("(?s)cpu\\.time \\d+\n.*"), stats);
        assertTrue(stats.contains("\nmemory.current ") && stats.contains("\nprocesses 1\n"), stats);
        for (String line : stats.split("\n")) {
            assertTrue(line.matches("[a-z.]+ \\d+"), "\"name value\": " + line);
        }
        String human = ctl.run("stats", "--human", "tr").assertSuccess().stdout();
        assertTrue(human.matches("(?s)cpu\\.time \\d+\\.\\d{3}s\n.*") && human.contains("iB\n"), human);

        String once = ctl.run("top", "--once").assertSuccess().stdout();
        assertTrue(once.startsWith("corralctl top - ") && once.contains(" running\n"), once);
        assertTrue(once.contains(" Name ") && once.contains("CPU%") && once.matches("(?s).*\n tr +running +\\d+\\.\\d .*"), once);
        assertFalse(once.contains("\033["), "no screen control with --once");

        String batch = ctl.run("top", "--batch", "--iterations", "2", "--delay", "0.2").assertSuccess().stdout();
        assertEquals(2, batch.split("corralctl top - ", -1).length - 1, "two tables:\n" + batch);
        assertFalse(batch.contains("\033["), "no screen control with --batch");

        ctl.run("destroy", "tr").assertSuccess();
        Poll.require(Rig.WAIT, () -> !rig.exists("tr"), () -> "a transient container goes away once stopped");
    }

    @Test
    void enterRunsACommandInsideAndExitsWithItsStatus() throws IOException {
        ctl.run("create", xmlFile(shell("en")).toString()).assertSuccess();

        Cli.Result hostname = ctl.run("enter", "en", "--", "/bin/sh", "-c", "echo in-$(hostname); echo to-stderr >&2; exit 7");
        assertEquals(7, hostname.exitCode(), hostname.describe());
        assertEquals("in-en\n", hostname.stdout());
        assertEquals("to-stderr\n", hostname.stderr());

        Cli.Result killed = ctl.run("lxc-enter-namespace", "en", "--", "sh", "-c", "kill -9 $$");
        assertEquals(128 + 9, killed.exitCode(), "128 + SIGKILL: " + killed.describe());

        Cli.Result stdin = ctl.sh("printf 'fed-through-stdin' | \"$CORRALCTL\" enter en -- cat");
        assertEquals(0, stdin.exitCode(), stdin.describe());
        assertEquals("fed-through-stdin", stdin.stdout());

        Cli.Result env = ctl.run("enter", "en", "--env", "A=b", "--", "/bin/sh", "-c", "echo \"$A\"");
        assertEquals("b\n", env.assertSuccess().stdout());

        Cli.Result missing = ctl.run("-v", "enter", "en", "--", "/no/such/command");
        assertEquals(1, missing.exitCode(), missing.describe());
        assertTrue(missing.stderr().startsWith("corralctl: "), missing.describe());
    }

    @Test
    void consoleFromAScriptSendsStdinAndPrintsTheAnswer() throws IOException {
        ctl.run("create", xmlFile(shell("cs")).toString()).assertSuccess();
        Cli.Result r = ctl.sh("printf 'echo hi-$((40+2))\\n' | \"$CORRALCTL\" console --linger 1 cs");
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().replace("\r", "").contains("\nhi-42\n"), "the shell's answer: " + r.describe());
        assertEquals("Connected to cs (Escape character is ^])\n", r.stderr());

        // One client at a time: the service may still count the last one for a moment after it
        // left (Busy, exit 1); a second client gets the console once it is free.
        Cli.Result[] again = new Cli.Result[1];
        Poll.require(Duration.ofSeconds(30), () -> {
            again[0] = ctl.sh("printf 'echo again-$((40+3))\\n' | \"$CORRALCTL\" --verbose console --linger 1 cs");
            assertTrue(again[0].ok() || again[0].stderr().contains("(org.corral1.Error.Busy)"), again[0].describe());
            return again[0].ok();
        }, () -> again[0].describe());
        assertTrue(again[0].stdout().contains("again-43"), again[0].describe());

        // --force is accepted and takes the console.
        Cli.Result forced = ctl.sh("printf '' | \"$CORRALCTL\" console --force cs");
        assertEquals(0, forced.exitCode(), forced.describe());
        assertEquals("Connected to cs (Escape character is ^])\n", forced.stderr());
    }

    /** Types into corralctl console on a pty (python3's pty module), then leaves with Ctrl-]. */
    static final String PTY_DRIVER = """
            import os, pty, sys, time, select, termios
            pid, master = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            before = termios.tcgetattr(master)
            buf = b''
            def pump(timeout, until):
                global buf
                end = time.time() + timeout
                while until not in buf and time.time() < end:
                    r, _, _ = select.select([master], [], [], 0.2)
                    if r:
                        try:
                            d = os.read(master, 4096)
                        except OSError:
                            return
                        if not d:
                            return
                        buf += d
            pump(60, b'Escape character is ^]')
            time.sleep(0.5)
            os.write(master, b'echo hi-$((40+2))\\r')
            pump(20, b'hi-42')
            raw = termios.tcgetattr(master)
            os.write(master, b'\\x1d')
            end = time.time() + 20
            status = None
            while time.time() < end and status is None:
                p, st = os.waitpid(pid, os.WNOHANG)
                if p:
                    status = os.waitstatus_to_exitcode(st)
                else:
                    pump(0.2, b'\\0never')
            after = termios.tcgetattr(master)
            print('EXIT', status)
            print('RAW-WHILE-CONNECTED', not (raw[3] & termios.ECHO) and not (raw[3] & termios.ICANON))
            print('RESTORED', after[3] == before[3] and after[0] == before[0] and after[1] == before[1])
            print('SAW-42', b'\\nhi-42' in buf.replace(b'\\r', b''))
            sys.stdout.flush()
            if status is None:
                os.kill(pid, 9)
            """;

    @Test
    void consoleOnATerminalIsRawAndCtrlRightBracketLeaves() throws IOException {
        ctl.run("create", xmlFile(shell("tt")).toString()).assertSuccess();
        Cli.Result r = Cli.exec(List.of(Cli.PYTHON, "-c", PTY_DRIVER, "/usr/bin/env", "CORRAL_CLI_CDS=0",
                "CORRAL_JAVA=" + Install.java(), "DBUS_SYSTEM_BUS_ADDRESS=" + rig.cli().address(),
                ctl.binary().toString(), "console", "tt"), Map.of(), Duration.ofSeconds(120));
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().contains("SAW-42 True"), "typed command ran: " + r.describe());
        assertTrue(r.stdout().contains("RAW-WHILE-CONNECTED True"), "raw mode while connected: " + r.describe());
        assertTrue(r.stdout().contains("EXIT 0"), "Ctrl-] leaves with status 0: " + r.describe());
        assertTrue(r.stdout().contains("RESTORED True"), "terminal settings restored: " + r.describe());
    }

    /** Like PTY_DRIVER, but corralctl gets SIGTERM while connected. */
    static final String PTY_SIGTERM = PTY_DRIVER
            .replace("os.write(master, b'\\x1d')", "os.kill(pid, 15)");

    @Test
    void consoleRestoresTheTerminalOnSigterm() throws IOException {
        ctl.run("create", xmlFile(shell("st")).toString()).assertSuccess();
        Cli.Result r = Cli.exec(List.of(Cli.PYTHON, "-c", PTY_SIGTERM, "/usr/bin/env", "CORRAL_CLI_CDS=0",
                "CORRAL_JAVA=" + Install.java(), "DBUS_SYSTEM_BUS_ADDRESS=" + rig.cli().address(),
                ctl.binary().toString(), "console", "st"), Map.of(), Duration.ofSeconds(120));
        assertTrue(PTY_SIGTERM.contains("os.kill(pid, 15)"), "the driver sends SIGTERM");
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().contains("SAW-42 True"), r.describe());
        assertTrue(r.stdout().contains("RESTORED True"), "terminal settings restored after SIGTERM: " + r.describe());
    }
}
