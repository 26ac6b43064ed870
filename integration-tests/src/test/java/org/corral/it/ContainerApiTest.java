package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Manager and Container API, driven through busctl, gdbus and python3-dbus. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ContainerApiTest {
    private static final String VM1 = Domains.path("vm1");

    private final Install install = Install.fromBuild();
    private PrivateSystemBus bus;
    private CorralService service;
    private Cli cli;
    private Corral corral;

    @BeforeEach
    void start() {
        bus = PrivateSystemBus.withoutActivation(install);
        service = CorralService.start(install, bus);
        cli = bus.cli();
        corral = new Corral(cli);
    }

    @AfterEach
    void stop() {
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

    private Path configFile(String name) {
        return bus.configDir().resolve(name + ".xml");
    }

    private static void assertDefaultsFilled(String xml) {
        assertTrue(xml.contains("<uuid>"), "uuid filled in:\n" + xml);
        assertTrue(xml.contains("unit='KiB'"), "memory unit filled in:\n" + xml);
        assertTrue(xml.contains("<target type='lxc' port='0'/>"), "console target filled in:\n" + xml);
    }

    @Test
    void busctlDefinesListsFindsAndReadsVm1() {
        assertEquals("a(ssso) 0", corral.list());
        String path = corral.define(Domains.vm1());
        assertEquals(VM1, path);

        String uuid = corral.uuid(path);
        assertEquals("a(ssso) 1 " + Corral.listEntry("vm1", uuid), corral.list());

        assertEquals("s \"vm1\"", corral.property(path, "Name"));
        assertEquals("s \"" + uuid + "\"", corral.property(path, "UUID"));
        assertEquals("s \"shutoff\"", corral.property(path, "State"));
        assertEquals("b true", corral.property(path, "Persistent"));
        assertEquals("s \"" + configFile("vm1") + "\"", corral.property(path, "ConfigPath"));
        String version = cli.busctl("get-property", Install.BUS_NAME, Install.MANAGER_PATH, Install.MANAGER_IFACE,
                "Version").assertSuccess().stdout().trim();
        assertTrue(version.matches("s \".+\""), "Manager.Version: " + version);

        for (String key : List.of(uuid, uuid.toUpperCase(Locale.ROOT), uuid.replace("-", ""),
                uuid.toUpperCase(Locale.ROOT).replace("-", ""))) {
            Cli.Result r = cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "GetContainerByUUID", "s", key)
                    .assertSuccess();
            assertEquals("o \"" + VM1 + "\"", r.stdout().trim(), "GetContainerByUUID " + key);
        }
        assertEquals("o \"" + VM1 + "\"", cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "GetContainer",
                "s", "vm1").assertSuccess().stdout().trim());

        for (int flags : new int[] {0, 1}) {
            String xml = corral.getXml(path, flags);
            assertDefaultsFilled(xml);
            assertTrue(xml.contains("<uuid>" + uuid + "</uuid>"), xml);
            String viaManager = Cli.unescape(cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE,
                    "GetContainerXML", "su", "vm1", Integer.toString(flags)).assertSuccess().stdout());
            assertEquals(xml, viaManager, "Manager.GetContainerXML equals Container.GetXML, flags " + flags);
        }
    }

    @Test
    void busctlIntrospectShowsTheContainerInterface() {
        corral.define(Domains.vm1());
        String out = cli.busctl("introspect", Install.BUS_NAME, VM1).assertSuccess().stdout();
        assertTrue(out.contains("org.corral1.Container"), out);
        assertTrue(out.matches("(?s).*\\.GetXML\\s+method\\s+u\\s+s\\s.*"), "GetXML(u) -> s:\n" + out);
        assertTrue(out.matches("(?s).*\\.Undefine\\s+method\\s+-\\s+-\\s.*"), "Undefine():\n" + out);
        assertTrue(out.matches("(?s).*\\.Name\\s+property\\s+s\\s+\"vm1\".*"), "Name property:\n" + out);
        assertTrue(out.matches("(?s).*\\.State\\s+property\\s+s\\s+\"shutoff\".*"), "State property:\n" + out);
        assertTrue(out.matches("(?s).*\\.Persistent\\s+property\\s+b\\s+true.*"), "Persistent property:\n" + out);
        assertTrue(out.contains("org.freedesktop.DBus.Properties"), out);
        assertTrue(out.contains("org.freedesktop.DBus.Introspectable"), out);

        String manager = cli.busctl("introspect", Install.BUS_NAME, Install.MANAGER_PATH).assertSuccess().stdout();
        for (String member : List.of(".DefineXML", ".ListContainers", ".GetContainer", ".GetContainerByUUID",
                ".GetContainerXML", ".UndefineContainer", ".ContainerNew", ".ContainerRemoved", ".Version")) {
            assertTrue(manager.contains(member), member + " in\n" + manager);
        }
        String tree = cli.busctl("tree", Install.BUS_NAME).assertSuccess().stdout();
        assertTrue(tree.contains(VM1), "busctl tree lists the container:\n" + tree);
    }

    @Test
    void gdbusDefinesListsFindsAndIntrospects() {
        Cli.Result defined = cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.DefineXML",
                Cli.gvariantString(Domains.vm1())).assertSuccess();
        assertEquals("(objectpath '" + VM1 + "',)", defined.stdout().trim());

        String uuid = corral.uuid(VM1);
        assertEquals("([('vm1', '" + uuid + "', 'shutoff', objectpath '" + VM1 + "')],)",
                cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.ListContainers").assertSuccess().stdout().trim());
        assertEquals("(objectpath '" + VM1 + "',)", cli.gdbusCall(Install.MANAGER_PATH,
                "org.corral1.Manager.GetContainerByUUID", Cli.gvariantString(uuid.toUpperCase(Locale.ROOT)))
                .assertSuccess().stdout().trim());
        assertEquals("(objectpath '" + VM1 + "',)", cli.gdbusCall(Install.MANAGER_PATH,
                "org.corral1.Manager.GetContainer", "'vm1'").assertSuccess().stdout().trim());

        assertEquals("(<'shutoff'>,)", cli.gdbusCall(VM1, "org.freedesktop.DBus.Properties.Get",
                "'org.corral1.Container'", "'State'").assertSuccess().stdout().trim());
        assertEquals("(<true>,)", cli.gdbusCall(VM1, "org.freedesktop.DBus.Properties.Get",
                "'org.corral1.Container'", "'Persistent'").assertSuccess().stdout().trim());
        String all = cli.gdbusCall(VM1, "org.freedesktop.DBus.Properties.GetAll", "'org.corral1.Container'")
                .assertSuccess().stdout();
        for (String entry : List.of("'Name': <'vm1'>", "'UUID': <'" + uuid + "'>", "'State': <'shutoff'>",
                "'Persistent': <true>", "'ConfigPath': <'" + configFile("vm1") + "'>")) {
            assertTrue(all.contains(entry), entry + " in GetAll: " + all);
        }

        for (String flags : List.of("0", "1")) {
            String xml = Cli.unescape(cli.gdbusCall(VM1, "org.corral1.Container.GetXML", flags).assertSuccess().stdout());
            assertDefaultsFilled(xml);
        }

        String introspection = cli.gdbus("introspect", "--dest", Install.BUS_NAME, "--object-path", VM1)
                .assertSuccess().stdout();
        for (String expected : List.of("interface org.corral1.Container", "GetXML(in  u flags,", "out s xml);",
                "Undefine();", "readonly s Name = 'vm1';", "readonly s UUID = '" + uuid + "';",
                "readonly s State = 'shutoff';", "readonly b Persistent = true;",
                "readonly s ConfigPath = '" + configFile("vm1") + "';")) {
            assertTrue(introspection.contains(expected), "'" + expected + "' in gdbus introspect:\n" + introspection);
        }
        String manager = cli.gdbus("introspect", "--dest", Install.BUS_NAME, "--object-path", Install.MANAGER_PATH)
                .assertSuccess().stdout();
        for (String expected : List.of("DefineXML(in  s xml,", "out o container);", "ListContainers(out a(ssso) containers);",
                "GetContainerByUUID(in  s uuid,", "ContainerNew(s name,", "readonly s Version = ")) {
            assertTrue(manager.contains(expected), "'" + expected + "' in gdbus introspect:\n" + manager);
        }
    }

    @Test
    void storedFileEqualsInactiveXmlAndRedefineReplacesIt() throws IOException {
        Cli.Result defined = cli.python("print(mgr.DefineXML(sys.argv[1]))", Domains.vm1()).assertSuccess();
        assertEquals(VM1, defined.stdout().trim());
        Path file = configFile("vm1");
        assertTrue(Files.isRegularFile(file), file + " written");

        String printInactive = "sys.stdout.write(container(sys.argv[1]).GetXML(dbus.UInt32(1)))";
        String inactive = cli.python(printInactive, VM1).assertSuccess().stdout();
        String stored = Files.readString(file);
        assertEquals(inactive, stored, "the stored file holds the formatted XML, as GetXML(1) returns it");
        assertDefaultsFilled(stored);

        Cli.Result props = cli.python("""
                p = props(sys.argv[1]).GetAll('org.corral1.Container')
                print(p['Name'], p['State'], bool(p['Persistent']), p['ConfigPath'])
                """, VM1).assertSuccess();
        assertEquals("vm1 shutoff True " + file, props.stdout().trim());

        String uuid = corral.uuid(VM1);
        String redefined = cli.python("print(mgr.DefineXML(sys.argv[1]))",
                Domains.withMemory(Domains.vm1(), 600000)).assertSuccess().stdout().trim();
        assertEquals(VM1, redefined, "redefining keeps the object");
        String restored = Files.readString(file);
        assertNotEquals(stored, restored, "redefine replaced the file");
        assertTrue(restored.contains("600000"), restored);
        assertTrue(restored.contains("<uuid>" + uuid + "</uuid>"), "redefine without uuid keeps the uuid:\n" + restored);
        assertEquals(cli.python(printInactive, VM1).assertSuccess().stdout(), restored);
        assertEquals("a(ssso) 1 " + Corral.listEntry("vm1", uuid), corral.list(), "still one container");
        try (var files = Files.list(bus.configDir())) {
            assertEquals(List.of(file), files.toList(), "no temporary files left in the config dir");
        }
    }

    @Test
    void namesNeedingEscapingGetEncodedPaths() {
        assertEquals("/org/corral1/container/web_2d1", Domains.path("web-1"));
        assertEquals("/org/corral1/container/_38675309", Domains.path("8675309"));

        assertEquals("/org/corral1/container/web_2d1", corral.define(Domains.named("web-1")));
        assertEquals("(objectpath '/org/corral1/container/_38675309',)", cli.gdbusCall(Install.MANAGER_PATH,
                "org.corral1.Manager.DefineXML", Cli.gvariantString(Domains.named("8675309"))).assertSuccess()
                .stdout().trim());
        for (String name : List.of("a.b_c", "x".repeat(64))) {
            assertEquals(Domains.path(name), corral.define(Domains.named(name)), "path of " + name);
        }
        for (String name : List.of("web-1", "8675309", "a.b_c", "x".repeat(64))) {
            assertEquals("s \"" + name + "\"", corral.property(Domains.path(name), "Name"));
            assertEquals("o \"" + Domains.path(name) + "\"", cli.busctlCall(Install.MANAGER_PATH,
                    Install.MANAGER_IFACE, "GetContainer", "s", name).assertSuccess().stdout().trim());
            assertTrue(Files.isRegularFile(configFile(name)), "config file of " + name);
        }
        String list = corral.list();
        assertTrue(list.startsWith("a(ssso) 4 \"8675309\" "), "sorted by name: " + list);
        assertTrue(list.contains("\"/org/corral1/container/web_2d1\""), list);
    }

    @Test
    void undefineRemovesFileAndObjectThroughEachClient() {
        List<String> names = List.of("vm1", "web-1", "c3");
        for (String name : names) {
            corral.define("vm1".equals(name) ? Domains.vm1() : Domains.named(name));
            assertTrue(Files.isRegularFile(configFile(name)));
        }
        cli.busctlCall(VM1, Install.CONTAINER_IFACE, "Undefine").assertSuccess();
        cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.UndefineContainer", "'web-1'").assertSuccess();
        cli.python("container(sys.argv[1]).Undefine()", Domains.path("c3")).assertSuccess();

        for (String name : names) {
            assertFalse(Files.exists(configFile(name)), "config file of " + name + " removed");
            Cli.Result r = cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.GetContainer", Cli.gvariantString(name))
                    .assertFailure();
            assertTrue(r.stderr().contains("GDBus.Error:org.corral1.Error.NoSuchContainer"), r.describe());
            cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "GetContainer", "s", name).assertFailure();
            Cli.Result gone = cli.busctl("get-property", Install.BUS_NAME, Domains.path(name), Install.CONTAINER_IFACE,
                    "Name");
            assertFalse(gone.ok(), "object " + Domains.path(name) + " is gone: " + gone.describe());
        }
        assertEquals("a(ssso) 0", corral.list());
        String tree = cli.busctl("tree", Install.BUS_NAME).assertSuccess().stdout();
        assertFalse(tree.contains("/org/corral1/container/"), "no container objects left:\n" + tree);
    }
}
