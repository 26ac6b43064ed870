package org.corral.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.Install;
import org.corral.it.Poll;
import org.corral.it.PrivateSystemBus;
import org.corral.it.runtime.BusyboxRoot;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * corral's authorization against the real polkitd (notes test-environments.md sections 2-3):
 * dbus-daemon, polkitd and corrald in one private mount namespace, two test users that exist only
 * in bind-mounted /etc/passwd and /etc/group there (corraltest-dev in group corraltest-dev,
 * corraltest-other), the project's org.corral1.policy and test rules bind-mounted over polkit's
 * directories. Callers run inside the namespace with runuser.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PolkitTest {

    static final String DEV = "corraltest-dev";
    static final String OTHER = "corraltest-other";

    static final String ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied";
    static final String INTERACTIVE = "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";

    /** The rule of the brief, made safe for network actions (they carry "network", not "container"). */
    static final String RULE_MANAGE = """
            polkit.addRule(function(action, subject) {
                if (action.id == "org.corral1.manage-containers" && subject.isInGroup("corraltest-dev") &&
                        (action.lookup("container") || "").indexOf("web-") == 0) {
                    return polkit.Result.YES;
                }
            });
            """;

    /** Logs every corral check (the details rules see), and grants the other actions the same way. */
    static final String RULE_OTHERS = """
            polkit.addRule(function(action, subject) {
                if (action.id.indexOf("org.corral1.") != 0) {
                    return polkit.Result.NOT_HANDLED;
                }
                polkit.log("corraltest action=" + action.id + " container=" + action.lookup("container")
                        + " network=" + action.lookup("network") + " verb=" + action.lookup("verb")
                        + " user=" + subject.user);
                if (!subject.isInGroup("corraltest-dev")) {
                    return polkit.Result.NOT_HANDLED;
                }
                if (action.id == "org.corral1.manage-containers" && (action.lookup("network") || "").indexOf("web-") == 0) {
                    return polkit.Result.YES;
                }
                if ((action.id == "org.corral1.open-console" || action.id == "org.corral1.enter-container"
                        || action.id == "org.corral1.read-config") && (action.lookup("container") || "").indexOf("web-") == 0) {
                    return polkit.Result.YES;
                }
                if (action.id == "org.corral1.manage-containers" && action.lookup("verb") == "start"
                        && (action.lookup("container") || "").indexOf("verb-") == 0) {
                    return polkit.Result.YES;
                }
                return polkit.Result.NOT_HANDLED;
            });
            """;

    private Rig rig;
    private PrivateSystemBus bus;
    private BusyboxRoot root;
    private Process polkitd;
    private Cli dev;
    private Cli other;

    @BeforeAll
    void start() {
        Install install = Install.fromBuild();
        bus = PrivateSystemBus.inMountNamespace(install);
        try {
            NamespaceServices.addUsers(bus, Map.of(DEV, List.of(DEV), OTHER, List.of()));
            // 40- runs before 50-: the logging rule sees every check.
            polkitd = NamespaceServices.startPolkit(bus, install, Map.of("40-corraltest.rules", RULE_OTHERS,
                    "50-corraltest.rules", RULE_MANAGE));
        } catch (RuntimeException | Error e) {
            bus.close();
            throw e;
        }
        rig = Rig.onBus(bus);
        root = rig.newRoot();
        // PID 1 of a namespace ignores signals it has no handler for: trap TERM (shutdown) and HUP (reboot).
        root.script("init.sh", "trap 'exit 0' TERM\ntrap 'exit 0' HUP\nwhile :; do sleep 1 & wait $!; done\n");
        dev = NamespaceServices.cliAs(bus, DEV);
        other = NamespaceServices.cliAs(bus, OTHER);
        // Prepared by root (no polkit): running and defined containers, networks.
        for (String name : List.of("web-run", "db-run", "web-def", "db-def", "verb-1")) {
            rig.define(xml(name));
        }
        rig.start("web-run");
        rig.start("db-run");
        for (String net : List.of("web-net", "db-net")) {
            rig.manager("DefineNetworkXML", "s", network(net)).assertSuccess();
        }
    }

    @AfterAll
    void stop() {
        if (rig != null) {
            for (String net : List.of("web-net", "db-net", "web-net2")) {
                rig.manager("UndefineNetwork", "s", net);
            }
            for (String n : List.of("web-a", "web-b", "web-c", "db-new", "web-new")) {
                rig.track(n);
            }
            rig.close();
        }
    }

    LxcXml xml(String name) {
        return LxcXml.named(name).root(root).init("/init.sh");
    }

    static String network(String name) {
        return "<network><name>" + name + "</name><ip address='198.18.77.1' prefix='24'/></network>";
    }

    static String py(String s) {
        return Caller.q(s);
    }

    /** Every mutating method (and GetXML) on existing objects named {@code run}/{@code def}/{@code net}. */
    Caller everyMethod(String run, String def, String net, String newName) {
        return new Caller()
                .manager("DefineXML", "DefineXML", "s", "[" + py(xml(newName).xml()) + "]")
                .manager("CreateXML", "CreateXML", "sahu", "[" + py(xml(newName).xml()) + ", [], 0]")
                .manager("StartContainer", "StartContainer", "sahu", "[" + py(def) + ", [], 0]")
                .container("Start", def, "Start", "ahu", "[[], 0]")
                .manager("ShutdownContainer", "ShutdownContainer", "su", "[" + py(run) + ", 0]")
                .container("Shutdown", run, "Shutdown", "u", "[0]")
                .manager("RebootContainer", "RebootContainer", "su", "[" + py(run) + ", 0]")
                .container("Reboot", run, "Reboot", "u", "[0]")
                .manager("DestroyContainer", "DestroyContainer", "s", "[" + py(run) + "]")
                .container("Destroy", run, "Destroy", "", "[]")
                .container("OpenConsole", run, "OpenConsole", "su", "['', 0]")
                .container("Exec", run, "Exec", "asashhhu", "[['/bin/true'], [], fd(), fd(), fd(), 0]")
                .container("GetXML", def, "GetXML", "u", "[0]")
                .manager("GetContainerXML", "GetContainerXML", "su", "[" + py(def) + ", 1]")
                .manager("UndefineContainer", "UndefineContainer", "s", "[" + py(def) + "]")
                .container("Undefine", def, "Undefine", "", "[]")
                .manager("DefineNetworkXML", "DefineNetworkXML", "s", "[" + py(network(net + "x")) + "]")
                .manager("UndefineNetwork", "UndefineNetwork", "s", "[" + py(net) + "]");
    }

    static Map<String, String> expectAll(Caller c, Map<String, String> got, String outcome) {
        Map<String, String> want = new LinkedHashMap<>();
        got.keySet().forEach(k -> want.put(k, outcome));
        return want;
    }

    @Test
    @Order(1)
    void theOtherUserIsDeniedEverywhere() {
        for (String[] names : new String[][] {{"web-run", "web-def", "web-net", "web-new"}, {"db-run", "db-def", "db-net", "db-new"}}) {
            Caller c = everyMethod(names[0], names[1], names[2], names[3]);
            Map<String, String> got = c.run(other, true);
            assertEquals(18, got.size(), c.lastMessages);
            assertEquals(expectAll(c, got, ACCESS_DENIED), got, c.lastMessages);
        }
        assertEquals("running", rig.state("web-run"));
        assertTrue(rig.exists("web-def"));
        assertTrue(!rig.exists("web-new"));
    }

    @Test
    @Order(2)
    void theDevUserIsDeniedOnOtherNames() {
        Caller c = everyMethod("db-run", "db-def", "db-net", "db-new");
        Map<String, String> got = c.run(dev, true);
        assertEquals(18, got.size(), c.lastMessages);
        assertEquals(expectAll(c, got, ACCESS_DENIED), got, c.lastMessages);
        assertEquals("running", rig.state("db-run"));
        assertTrue(rig.exists("db-def"));
        assertTrue(!rig.exists("db-new"));
    }

    @Test
    @Order(3)
    void theDevUserMayDoEverythingOnWebNames() {
        Map<String, String> got = new Caller()
                .manager("DefineXML", "DefineXML", "s", "[" + py(xml("web-a").xml()) + "]")
                .container("Start", "web-a", "Start", "ahu", "[[], 0]")
                .container("GetXML", "web-a", "GetXML", "u", "[0]")
                .manager("GetContainerXML", "GetContainerXML", "su", "['web-a', 1]")
                .container("OpenConsole", "web-a", "OpenConsole", "su", "['', 0]")
                .container("Exec", "web-a", "Exec", "asashhhu", "[['/bin/true'], [], fd(), fd(), fd(), 0]")
                .container("Reboot", "web-a", "Reboot", "u", "[0]")
                .run(dev, true);
        assertEquals(Map.of("DefineXML", "OK", "Start", "OK", "GetXML", "OK", "GetContainerXML", "OK", "OpenConsole", "OK",
                "Exec", "OK", "Reboot", "OK"), got);
        rig.awaitState("web-a", "running");
        got = new Caller()
                .container("Shutdown", "web-a", "Shutdown", "u", "[0]")
                .run(dev, true);
        assertEquals(Map.of("Shutdown", "OK"), got);
        rig.awaitState("web-a", "shutoff");
        got = new Caller()
                .manager("StartContainer", "StartContainer", "sahu", "['web-a', [], 0]")
                .container("Destroy", "web-a", "Destroy", "", "[]")
                .container("Undefine", "web-a", "Undefine", "", "[]")
                .manager("DefineXML", "DefineXML", "s", "[" + py(xml("web-b").xml()) + "]")
                .manager("StartContainer2", "StartContainer", "sahu", "['web-b', [], 0]")
                .manager("RebootContainer", "RebootContainer", "su", "['web-b', 0]")
                .run(dev, true);
        assertEquals(Map.of("StartContainer", "OK", "Destroy", "OK", "Undefine", "OK", "DefineXML", "OK",
                "StartContainer2", "OK", "RebootContainer", "OK"), got);
        rig.awaitState("web-b", "running");
        got = new Caller()
                .manager("ShutdownContainer", "ShutdownContainer", "su", "['web-b', 0]")
                .run(dev, true);
        assertEquals(Map.of("ShutdownContainer", "OK"), got);
        rig.awaitState("web-b", "shutoff");
        got = new Caller()
                .manager("UndefineContainer", "UndefineContainer", "s", "['web-b']")
                .manager("CreateXML", "CreateXML", "sahu", "[" + py(xml("web-c").xml()) + ", [], 0]")
                .manager("DestroyContainer", "DestroyContainer", "s", "['web-c']")
                .manager("DefineNetworkXML", "DefineNetworkXML", "s", "[" + py(network("web-net2")) + "]")
                .manager("UndefineNetwork", "UndefineNetwork", "s", "['web-net2']")
                .run(dev, true);
        assertEquals(Map.of("UndefineContainer", "OK", "CreateXML", "OK", "DestroyContainer", "OK",
                "DefineNetworkXML", "OK", "UndefineNetwork", "OK"), got);
        assertTrue(!rig.exists("web-a") && !rig.exists("web-b") && !rig.exists("web-c"));
    }

    @Test
    @Order(4)
    void listingAndPropertiesNeedNoAuthorization() {
        for (Cli cli : List.of(dev, other)) {
            Cli.Result list = cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "ListContainers").assertSuccess();
            assertTrue(list.stdout().contains("\"db-run\""), list.stdout());
            Cli.Result state = cli.busctl("get-property", Install.BUS_NAME, Domains.path("db-run"), Install.CONTAINER_IFACE,
                    "State").assertSuccess();
            assertEquals("s \"running\"", state.stdout().trim());
            cli.busctl("call", Install.BUS_NAME, Domains.path("web-def"), "org.freedesktop.DBus.Properties", "GetAll", "s",
                    Install.CONTAINER_IFACE).assertSuccess();
        }
    }

    @Test
    @Order(5)
    void rulesSeeContainerAndVerb() {
        // Only verb "start" is granted for verb-* names: the rule reads the verb detail.
        Map<String, String> got = new Caller()
                .container("Start", "verb-1", "Start", "ahu", "[[], 0]")
                .container("Destroy", "verb-1", "Destroy", "", "[]")
                .run(dev, true);
        assertEquals(Map.of("Start", "OK", "Destroy", ACCESS_DENIED), got);
        rig.call("verb-1", "Destroy").assertSuccess();
        String log = NamespaceServices.polkitLog(bus);
        assertTrue(log.contains("corraltest action=org.corral1.manage-containers container=verb-1 network=undefined verb=start user=" + DEV),
                log);
        assertTrue(log.contains("corraltest action=org.corral1.manage-containers container=verb-1 network=undefined verb=destroy user=" + DEV),
                log);
        assertTrue(log.contains("corraltest action=org.corral1.open-console container=db-run network=undefined verb=console user=" + OTHER),
                log);
        assertTrue(log.contains("corraltest action=org.corral1.manage-containers container=undefined network=db-net verb=undefine-network"),
                log);
    }

    @Test
    @Order(6)
    void interactiveAuthorizationFlag() {
        Caller c = new Caller().manager("DefineXML", "DefineXML", "s", "[" + py(xml("web-new").xml()) + "]");
        // Without the flag polkit answers "challenge": the caller may retry allowing interaction.
        assertEquals(Map.of("DefineXML", INTERACTIVE), c.run(other, false));
        // With it, polkitd looks for an authentication agent, finds none, and says no.
        assertEquals(Map.of("DefineXML", ACCESS_DENIED), c.run(other, true));
        // gdbus: --interactive sets the flag.
        Cli.Result plain = other.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.DefineXML", xml("web-new").xml());
        assertTrue(plain.stderr().contains(INTERACTIVE), plain.describe());
        Cli.Result flagged = other.gdbus("call", "--dest", Install.BUS_NAME, "--object-path", Install.MANAGER_PATH,
                "--method", "org.corral1.Manager.DefineXML", "--interactive", xml("web-new").xml());
        assertTrue(flagged.stderr().contains(ACCESS_DENIED), flagged.describe());
        // busctl: --allow-interactive-authorization (busctl prints the message, not the name).
        Cli.Result no = other.busctl("--allow-interactive-authorization=no", "call", Install.BUS_NAME, Install.MANAGER_PATH,
                Install.MANAGER_IFACE, "DefineXML", "s", xml("web-new").xml());
        assertTrue(no.stderr().contains("needs authentication"), no.describe());
        Cli.Result yes = other.busctl("--allow-interactive-authorization=yes", "call", Install.BUS_NAME, Install.MANAGER_PATH,
                Install.MANAGER_IFACE, "DefineXML", "s", xml("web-new").xml());
        // busctl turns well-known error names into errno texts: AccessDenied is "Access denied".
        assertTrue(yes.stderr().contains("Access denied"), yes.describe());
        assertTrue(!rig.exists("web-new"));
    }

    @Test
    @Order(7)
    void withoutPolkitdNonRootCallersAreDeniedAndRootIsNot() {
        bus.stopSpawned(polkitd);
        try {
            Poll.require(NamespaceServices.WAIT, () -> !NamespaceServices.hasOwner(bus, "org.freedesktop.PolicyKit1"),
                    () -> "polkitd still owns its name");
            Map<String, String> got = new Caller()
                    .container("Destroy", "web-run", "Destroy", "", "[]")
                    .container("GetXML", "web-def", "GetXML", "u", "[0]")
                    .manager("DefineXML", "DefineXML", "s", "[" + py(xml("web-new").xml()) + "]")
                    .run(dev, true);
            assertEquals(Map.of("Destroy", ACCESS_DENIED, "GetXML", ACCESS_DENIED, "DefineXML", ACCESS_DENIED), got);
            assertEquals("running", rig.state("web-run"));
            // Root needs no polkit.
            rig.call("web-def", "GetXML", "u", "0").assertSuccess();
            rig.call("web-run", "Destroy").assertSuccess();
            rig.start("web-run");
            assertTrue(rig.service().stderr().contains("polkit could not decide"), rig.service().stderr());
        } finally {
            polkitd = NamespaceServices.spawnPolkitd(bus);
        }
        assertEquals(Map.of("Destroy", "OK"), new Caller().container("Destroy", "web-run", "Destroy", "", "[]").run(dev, true));
    }
}
