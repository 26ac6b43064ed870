package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refused call answers with its exact D-Bus error name (read from gdbus and python3-dbus;
 * busctl prints only the message), and afterwards the service still answers and the config
 * dir is unchanged.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ErrorsTest {
    private static final String INVALID_CONFIG = "org.corral1.Error.InvalidConfig";
    private static final String PASSWD_LINE = "root:x:0:0";

    private static PrivateSystemBus bus;
    private static CorralService service;
    private static Cli cli;
    private static Corral corral;
    private static String vm1Uuid;
    private static String listing;

    private Map<String, String> configBefore;

    @BeforeAll
    static void start() {
        Install install = Install.fromBuild();
        bus = PrivateSystemBus.withoutActivation(install);
        try {
            service = CorralService.start(install, bus);
        } catch (RuntimeException | Error e) {
            bus.close();
            throw e;
        }
        cli = bus.cli();
        corral = new Corral(cli);
        corral.define(Domains.vm1());
        vm1Uuid = corral.uuid(Domains.path("vm1"));
        listing = corral.list();
    }

    @AfterAll
    static void stop() {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            if (bus != null) {
                bus.close();
            }
        }
    }

    @BeforeEach
    void snapshot() {
        configBefore = configDir();
    }

    @AfterEach
    void serviceSurvivedAndConfigUnchanged() {
        assertTrue(service.isAlive(), "corrald still runs; log:\n" + service.stderr());
        assertEquals(listing, corral.list(), "the service still answers with the same containers");
        assertEquals(configBefore, configDir(), "the config dir is unchanged");
    }

    /** Every file under the config dir, relative path to content. */
    private static Map<String, String> configDir() {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(bus.configDir())) {
            for (Path p : walk.toList()) {
                String rel = bus.configDir().relativize(p).toString();
                files.put(rel, Files.isDirectory(p) ? "<dir>" : Files.readString(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** A gdbus or python answer carrying the D-Bus error {@code name}. */
    private static Cli.Result assertError(String name, Cli.Result r) {
        r.assertFailure();
        assertTrue(r.stderr().contains("GDBus.Error:" + name + ":") || r.stderr().contains("DBUS-ERROR " + name + ":"),
                "expected " + name + ": " + r.describe());
        return r;
    }

    /** DefineXML through busctl fails, through gdbus with {@code error}. */
    private static void assertDefineRefused(String xml, String error) {
        Cli.Result viaBusctl = cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "DefineXML", "s", xml)
                .assertFailure();
        assertTrue(viaBusctl.stderr().startsWith("Call failed: "), viaBusctl.describe());
        assertError(error, cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.DefineXML", Cli.gvariantString(xml)));
    }

    static Stream<Arguments> invalidDefinitions() {
        String vm1 = Domains.vm1();
        return Stream.of(
                Arguments.of("malformed XML", "<domain type='lxc'><name>broken</name><memory>1</memory>"),
                Arguments.of("not XML at all", "this is not xml"),
                Arguments.of("wrong domain type", vm1.replaceFirst("type=['\"]lxc['\"]", "type='kvm'")),
                Arguments.of("missing name", vm1.replaceFirst("<name>[^<]*</name>", "")),
                Arguments.of("empty name", Domains.named("")),
                Arguments.of("name with a slash", Domains.named("a/b")),
                Arguments.of("name that is a parent directory", Domains.named("..")),
                Arguments.of("name with a newline", Domains.named("a\nb")),
                Arguments.of("name over 64 bytes", Domains.named("n".repeat(65))),
                Arguments.of("invalid uuid", Domains.withUuid(Domains.named("baduuid"), "not-a-uuid")),
                Arguments.of("internal DTD", "<!DOCTYPE domain [<!ELEMENT domain ANY>]>" + Domains.named("dtd")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidDefinitions")
    void invalidDefinitionIsRefusedWithInvalidConfig(String label, String xml) {
        assertDefineRefused(xml, INVALID_CONFIG);
    }

    @Test
    void externalEntityIsRefusedAndNeverRead() throws IOException {
        String xxe = "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY leak SYSTEM 'file:///etc/passwd'>]>\n"
                + Domains.named("xxe").replaceFirst("</name>", "</name><description>&leak;</description>");
        Cli.Result viaBusctl = cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "DefineXML", "s", xxe)
                .assertFailure();
        Cli.Result viaGdbus = assertError(INVALID_CONFIG,
                cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.DefineXML", Cli.gvariantString(xxe)));
        Cli.Result viaPython = assertError(INVALID_CONFIG, cli.python("mgr.DefineXML(sys.argv[1])", xxe));
        for (Cli.Result r : List.of(viaBusctl, viaGdbus, viaPython)) {
            assertFalse(r.output().contains(PASSWD_LINE), "/etc/passwd leaked to the caller: " + r.describe());
        }
        assertFalse(service.stderr().contains(PASSWD_LINE), "/etc/passwd leaked into the log");
        try (Stream<Path> walk = Stream.concat(Files.walk(bus.configDir()), Files.walk(bus.runtimeDir()))) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(p).contains(PASSWD_LINE), "/etc/passwd leaked into " + p);
            }
        }
    }

    @Test
    void billionLaughsIsRefusedQuickly() {
        StringBuilder dtd = new StringBuilder("<?xml version='1.0'?>\n<!DOCTYPE domain [\n<!ENTITY lol0 'lol'>\n");
        for (int i = 1; i <= 9; i++) {
            String prev = "&lol" + (i - 1) + ";";
            dtd.append("<!ENTITY lol").append(i).append(" '").append(prev.repeat(10)).append("'>\n");
        }
        dtd.append("]>\n");
        String bomb = dtd + Domains.named("lol").replaceFirst("</name>", "</name><description>&lol9;</description>");
        long t0 = System.nanoTime();
        assertDefineRefused(bomb, INVALID_CONFIG);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 20_000, "refused within 20 s (took " + ms + " ms)");
    }

    @Test
    void tenMegabyteDocumentIsRefused() {
        Cli.Result r = cli.python("""
                xml = sys.argv[1].replace('</name>', '</name><description>' + 'x' * (10 * 1024 * 1024) + '</description>')
                mgr.DefineXML(xml, timeout=60)
                """, Domains.named("huge"));
        assertError(INVALID_CONFIG, r);
    }

    @Test
    void duplicateUuidUnderAnotherNameIsAlreadyExists() {
        String other = Domains.withUuid(Domains.named("other"), vm1Uuid);
        assertDefineRefused(other, "org.corral1.Error.AlreadyExists");
        assertError("org.corral1.Error.AlreadyExists", cli.python("mgr.DefineXML(sys.argv[1])", other));
    }

    @Test
    void unknownContainerIsNoSuchContainer() {
        String none = "org.corral1.Error.NoSuchContainer";
        assertError(none, cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.GetContainer", "'nope'"));
        assertError(none, cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.GetContainerByUUID",
                "'00000000-0000-4000-8000-000000000001'"));
        assertError(none, cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.GetContainerXML", "'nope'", "0"));
        assertError(none, cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.UndefineContainer", "'nope'"));
        assertError(none, cli.python("mgr.GetContainer('nope')"));
        cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "GetContainer", "s", "nope").assertFailure();
    }

    @Test
    void getXmlWithUnknownFlagsIsInvalidArgs() {
        String vm1 = Domains.path("vm1");
        for (String flags : List.of("4", "2", "4294967295")) {
            assertError("org.freedesktop.DBus.Error.InvalidArgs",
                    cli.gdbusCall(vm1, "org.corral1.Container.GetXML", "uint32 " + flags));
            cli.busctlCall(vm1, Install.CONTAINER_IFACE, "GetXML", "u", flags).assertFailure();
        }
        assertError("org.freedesktop.DBus.Error.InvalidArgs",
                cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.GetContainerXML", "'vm1'", "uint32 4"));
    }

    @Test
    void unknownPropertyAndSetAreRefused() {
        String vm1 = Domains.path("vm1");
        assertError("org.freedesktop.DBus.Error.UnknownProperty", cli.gdbusCall(vm1,
                "org.freedesktop.DBus.Properties.Get", "'org.corral1.Container'", "'Bogus'"));
        cli.busctl("get-property", Install.BUS_NAME, vm1, Install.CONTAINER_IFACE, "Bogus").assertFailure();
        assertError("org.freedesktop.DBus.Error.PropertyReadOnly", cli.gdbusCall(vm1,
                "org.freedesktop.DBus.Properties.Set", "'org.corral1.Container'", "'State'", "<'running'>"));
        cli.busctl("set-property", Install.BUS_NAME, vm1, Install.CONTAINER_IFACE, "State", "s", "running")
                .assertFailure();
        assertEquals("s \"shutoff\"", corral.property(vm1, "State"));
    }

    @Test
    void nonRootCallerMayReadButNotChange() {
        Cli nobody = cli.asNobody();
        assertEquals(listing, nobody.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "ListContainers")
                .assertSuccess().stdout().trim(), "ListContainers works for nobody");
        nobody.busctl("get-property", Install.BUS_NAME, Domains.path("vm1"), Install.CONTAINER_IFACE, "State")
                .assertSuccess();

        String denied = "org.freedesktop.DBus.Error.AccessDenied";
        nobody.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "DefineXML", "s", Domains.named("mine"))
                .assertFailure();
        assertError(denied, nobody.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.DefineXML",
                Cli.gvariantString(Domains.named("mine"))));
        assertError(denied, nobody.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.UndefineContainer", "'vm1'"));
        assertError(denied, nobody.gdbusCall(Domains.path("vm1"), "org.corral1.Container.Undefine"));
        nobody.busctlCall(Domains.path("vm1"), Install.CONTAINER_IFACE, "Undefine").assertFailure();
    }
}
