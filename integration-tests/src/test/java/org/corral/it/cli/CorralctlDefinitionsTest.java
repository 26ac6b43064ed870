package org.corral.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.CorralService;
import org.corral.it.Domains;
import org.corral.it.Install;
import org.corral.it.PrivateSystemBus;
import org.corral.it.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * corralctl's definition verbs, errors and exit codes, help and bus selection, against the
 * installed service on a private system bus. No container is started here (CorralctlRuntimeTest).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CorralctlDefinitionsTest {
    static final List<String> VERBS = List.of("define", "dumpxml", "undefine", "start", "create", "shutdown", "reboot",
            "destroy", "list", "stats", "top", "console", "enter", "lxc-enter-namespace");

    private final Install install = Install.fromBuild();
    private PrivateSystemBus bus;
    private CorralService service;
    private Corralctl ctl;
    private Path scratch;

    @BeforeEach
    void start() throws IOException {
        scratch = Files.createTempDirectory("corral-it-cli");
        bus = PrivateSystemBus.withoutActivation(install);
        service = CorralService.start(install, bus);
        ctl = new Corralctl(install, bus.address());
    }

    @AfterEach
    void stop() {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            try {
                if (bus != null) {
                    bus.close();
                }
            } finally {
                Processes.deleteTree(scratch);
            }
        }
    }

    private Path file(String name, String content) throws IOException {
        Path p = scratch.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    /** The rows of a corralctl list table, without the header, the rule and the blank end. */
    static List<String[]> rows(String table) {
        String[] lines = table.split("\n");
        assertTrue(lines.length >= 2 && lines[0].matches(" Id +Name +State") && lines[1].matches("-+"),
                "a virsh-like table:\n" + table);
        return java.util.Arrays.stream(lines).skip(2).filter(l -> !l.isBlank()).map(l -> l.trim().split(" +")).toList();
    }

    @Test
    void defineDumpxmlListUndefineRoundTrip() throws IOException {
        Path xml = file("vm1.xml", Domains.vm1());
        assertEquals(List.of(), rows(ctl.run("list", "--all").assertSuccess().stdout()));

        Cli.Result define = ctl.run("define", xml.toString()).assertSuccess();
        assertEquals("Container vm1 defined from " + xml + "\n", define.stdout());
        assertEquals("", define.stderr());
        assertTrue(Files.isRegularFile(bus.configDir().resolve("vm1.xml")), "stored as vm1.xml");

        String live = ctl.run("dumpxml", "vm1").assertSuccess().stdout();
        assertTrue(live.startsWith("<domain type='lxc'>") && live.contains("<name>vm1</name>") && live.contains("<uuid>"),
                "dumpxml prints the domain XML with defaults filled in:\n" + live);
        String inactive = ctl.run("dumpxml", "--inactive", "vm1").assertSuccess().stdout();
        assertEquals(live, inactive, "a stopped container: live and stored definitions are the same");
        String busctl = Cli.unescape(bus.cli().busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "GetContainerXML",
                "su", "vm1", "1").assertSuccess().stdout().trim());
        assertTrue(busctl.contains(inactive.trim()), "dumpxml --inactive is GetContainerXML(name, 1)");

        // Redefine from corralctl's own output: same container, same UUID.
        Path again = file("again.xml", inactive);
        ctl.run("define", again.toString()).assertSuccess();
        assertEquals(inactive, ctl.run("dumpxml", "vm1", "--inactive").assertSuccess().stdout());

        // Without --all only active containers; with --all every one, Id "-" while shut off.
        assertEquals(List.of(), rows(ctl.run("list").assertSuccess().stdout()));
        List<String[]> all = rows(ctl.run("list", "--all").assertSuccess().stdout());
        assertEquals(1, all.size());
        assertEquals(List.of("-", "vm1", "shutoff"), List.of(all.get(0)));
        assertEquals("vm1\n", ctl.run("list", "--all", "--name").assertSuccess().stdout());

        // define from stdin ("-")
        Cli.Result fromStdin = ctl.sh("$CORRALCTL define - < \"$1\"", file("web.xml", Domains.named("web-1")).toString())
                .assertSuccess();
        assertEquals("Container web-1 defined from -\n", fromStdin.stdout(), "the name comes back from the escaped path");

        assertEquals("Container vm1 has been undefined\n", ctl.run("undefine", "vm1").assertSuccess().stdout());
        ctl.run("undefine", "web-1").assertSuccess();
        assertFalse(Files.exists(bus.configDir().resolve("vm1.xml")), "definition removed");
        assertEquals(List.of(), rows(ctl.run("list", "--all").assertSuccess().stdout()));
    }

    @Test
    void errorsPrintTheServiceMessageAndExitOne() throws IOException {
        for (String[] args : List.of(new String[] {"dumpxml", "nope"}, new String[] {"undefine", "nope"},
                new String[] {"start", "nope"}, new String[] {"destroy", "nope"}, new String[] {"stats", "nope"},
                new String[] {"console", "nope"}, new String[] {"enter", "nope", "--", "/bin/true"})) {
            Cli.Result r = ctl.run(args);
            assertEquals(1, r.exitCode(), r.describe());
            assertEquals("", r.stdout(), r.describe());
            assertEquals("corralctl: no container named 'nope'\n", r.stderr(), "NoSuchContainer's message: " + r.describe());
        }
        Cli.Result verbose = ctl.run("dumpxml", "--verbose", "nope");
        assertEquals(1, verbose.exitCode());
        assertEquals("corralctl: no container named 'nope' (org.corral1.Error.NoSuchContainer)\n", verbose.stderr());
        assertEquals(verbose.stderr(), ctl.run("-v", "dumpxml", "nope").stderr(), "-v before the verb too");

        // Bad XML: InvalidConfig with the parser's message.
        Cli.Result bad = ctl.run("-v", "define", file("bad.xml", "<domain type='lxc'><name>x</name>").toString());
        assertEquals(1, bad.exitCode(), bad.describe());
        assertTrue(bad.stderr().startsWith("corralctl: ") && bad.stderr().trim().endsWith("(org.corral1.Error.InvalidConfig)"),
                bad.describe());
        Cli.Result kvm = ctl.run("define", file("kvm.xml", Domains.vm1().replace("type='lxc'", "type='kvm'")).toString());
        assertEquals(1, kvm.exitCode(), kvm.describe());
        assertTrue(kvm.stderr().startsWith("corralctl: ") && kvm.stderr().contains("lxc"), kvm.describe());

        // A file that is not there: the CLI's own error, nothing sent.
        Path missing = scratch.resolve("missing.xml");
        Cli.Result nofile = ctl.run("define", missing.toString());
        assertEquals(1, nofile.exitCode(), nofile.describe());
        assertEquals("corralctl: cannot read " + missing + ": no such file\n", nofile.stderr());
        assertEquals(1, ctl.run("create", missing.toString()).exitCode());

        // Wrong state: destroy (and shutdown, reboot, stats) of a stopped container.
        ctl.run("define", file("vm1.xml", Domains.vm1()).toString()).assertSuccess();
        for (String verb : List.of("destroy", "shutdown", "reboot", "stats")) {
            Cli.Result r = ctl.run("--verbose", verb, "vm1");
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stderr().startsWith("corralctl: ") && r.stderr().contains("not running")
                    && r.stderr().trim().endsWith("(org.corral1.Error.NotRunning)"), r.describe());
        }
    }

    @Test
    void usageErrorsExitTwo() {
        for (String[] args : List.of(new String[] {}, new String[] {"bogus"}, new String[] {"dumpxml"},
                new String[] {"list", "--bogus"}, new String[] {"start", "x", "--pass-fds", "a"},
                new String[] {"enter", "x"}, new String[] {"top", "--delay", "x"}, new String[] {"shutdown", "x", "--mode", "acpi"})) {
            Cli.Result r = ctl.run(args);
            assertEquals(2, r.exitCode(), r.describe());
            assertEquals("", r.stdout(), r.describe());
            assertTrue(args.length == 1 && args[0].equals("bogus") ? r.stderr().startsWith("Unmatched argument")
                    : r.stderr().contains("Usage: corralctl"), "usage on stderr: " + r.describe());
        }
        Cli.Result typo = ctl.run("lst");
        assertTrue(typo.stderr().contains("Did you mean: corralctl list"), typo.describe());
    }

    @Test
    void everyVerbHasHelp() {
        Cli.Result top = ctl.run("--help").assertSuccess();
        assertTrue(top.stdout().startsWith("Usage: corralctl [-hvV] [--bus=ADDRESS] VERB"), top.stdout());
        for (String verb : VERBS) {
            assertTrue(top.stdout().contains(" " + verb), "--help lists " + verb);
            Cli.Result r = ctl.run(verb, "--help");
            assertEquals(0, r.exitCode(), r.describe());
            String name = verb.equals("lxc-enter-namespace") ? "enter" : verb;
            assertTrue(r.stdout().startsWith("Usage: corralctl " + name), r.describe());
            assertTrue(r.stdout().contains("--bus=ADDRESS") && r.stdout().contains("--help"), "--bus on every verb: " + r.stdout());
        }
        assertTrue(ctl.run("--version").assertSuccess().stdout().startsWith("corralctl " + Install.version()));
    }

    @Test
    void busComesFromTheOptionThenCorralBusAddressThenTheSystemBusVariable() throws IOException {
        ctl.run("define", file("vm1.xml", Domains.vm1()).toString()).assertSuccess();
        String nowhere = "unix:path=" + scratch.resolve("no-bus-here");
        Map<String, String> env = new HashMap<>();
        env.put("DBUS_SYSTEM_BUS_ADDRESS", nowhere);

        Cli.Result wrong = ctl.run(env, "list", "--all");
        assertEquals(1, wrong.exitCode(), wrong.describe());
        assertTrue(wrong.stderr().startsWith("corralctl: cannot connect to the bus at " + nowhere), wrong.describe());

        for (List<String> args : List.of(List.of("--bus", bus.address(), "list", "--all"),
                List.of("list", "--all", "--bus", bus.address()), List.of("list", "--all", "--bus=" + bus.address()))) {
            Cli.Result r = ctl.run(env, args.toArray(String[]::new)).assertSuccess();
            assertTrue(r.stdout().contains(" vm1 "), args + ": " + r.stdout());
        }

        env.put("CORRAL_BUS_ADDRESS", bus.address());
        assertTrue(ctl.run(env, "list", "--all").assertSuccess().stdout().contains(" vm1 "), "CORRAL_BUS_ADDRESS wins over DBUS_SYSTEM_BUS_ADDRESS");
        Cli.Result optionFirst = ctl.run(env, "--bus", nowhere, "list");
        assertEquals(1, optionFirst.exitCode(), "--bus wins over CORRAL_BUS_ADDRESS: " + optionFirst.describe());
    }
}
