package org.corral.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.corral.core.CorralException;
import org.corral.network.model.NetworkDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NetworkRegistryTest {

    @TempDir
    Path dir;

    NetworkRegistry open() throws Exception {
        NetworkRegistry r = new NetworkRegistry(new NetworkStore(dir.resolve("networks")), dir.resolve("no-sysfs"));
        r.load();
        return r;
    }

    @Test
    void defaultExistsOutOfTheBox() throws Exception {
        NetworkRegistry r = open();
        NetworkDefinition d = r.lookup("default");
        assertEquals("corral0", d.bridgeName());
        assertTrue(r.isBuiltIn("default"));
        assertEquals(List.of("default"), r.list().stream().map(NetworkDefinition::getName).toList());
    }

    @Test
    void storedDefaultOverridesAndUndefineBringsTheBuiltInBack() throws Exception {
        NetworkRegistry r = open();
        String builtInUuid = r.lookup("default").getUuid();
        r.define(NetworkXml.parse("<network><name>default</name><bridge name='br-mine'/>"
                + "<ip address='198.18.1.1' prefix='24'/></network>"));
        assertEquals("br-mine", r.lookup("default").bridgeName());
        assertEquals(builtInUuid, r.lookup("default").getUuid(), "no <uuid>: the network keeps its UUID");
        assertFalse(r.isBuiltIn("default"));
        assertEquals("br-mine", open().lookup("default").bridgeName(), "stored, read back at start-up");
        r.undefine("default");
        assertEquals("corral0", r.lookup("default").bridgeName());
        assertFalse(Files.exists(dir.resolve("networks/default.xml")));
        assertEquals("corral0", open().lookup("default").bridgeName());
    }

    @Test
    void defineStoreUndefine() throws Exception {
        NetworkRegistry r = open();
        NetworkDefinition d = r.define(NetworkXml.parse("<network><name>lab</name><ip address='198.18.2.1' prefix='24'/></network>"));
        assertEquals("corral1", d.bridgeName(), "a free corralN when <bridge> is absent");
        Path file = dir.resolve("networks/lab.xml");
        assertEquals(NetworkXml.format(d), Files.readString(file));
        CorralException clash = assertThrows(CorralException.class, () -> r.define(NetworkXml.parse(
                "<network><name>other</name><bridge name='corral1'/></network>")));
        assertEquals(CorralException.Kind.ALREADY_EXISTS, clash.kind());
        r.undefine("lab");
        assertFalse(Files.exists(file));
        assertEquals(CorralException.Kind.NO_SUCH_NETWORK,
                assertThrows(CorralException.class, () -> r.lookup("lab")).kind());
    }

    @Test
    void undefineIsRefusedWhileInUse() throws Exception {
        NetworkRegistry r = open();
        r.define(NetworkXml.parse("<network><name>lab</name></network>"));
        r.setUsage(name -> name.equals("lab") ? Set.of("web1") : Set.of());
        CorralException e = assertThrows(CorralException.class, () -> r.undefine("lab"));
        assertEquals(CorralException.Kind.BUSY, e.kind());
        assertTrue(e.getMessage().contains("web1"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("networks/lab.xml")));
    }

    @Test
    void badFilesAreSkipped() throws Exception {
        Files.createDirectories(dir.resolve("networks"));
        Files.writeString(dir.resolve("networks/broken.xml"), "<network><name>broken</name><ip address='x'/></network>");
        Files.writeString(dir.resolve("networks/wrong.xml"), "<network><name>right</name></network>");
        Files.writeString(dir.resolve("networks/ok.xml"), "<network><name>ok</name><bridge name='br-ok'/></network>");
        NetworkRegistry r = open();
        assertEquals(List.of("default", "ok"), r.list().stream().map(NetworkDefinition::getName).toList());
    }

    @Test
    void plumbedInterfacesSurviveTheLiveState() {
        List<PlumbedInterface> ifaces = List.of(
                new PlumbedInterface("network", "vethab12cd", 17, "eth0", "default", "corral0", "192.168.122.7/24", true, true),
                new PlumbedInterface("ethernet", "vnet3", 18, "eth1", "", "", "", false, false));
        Properties p = new Properties();
        p.setProperty("name", "web1");
        PlumbedInterface.store(ifaces, p);
        assertEquals(ifaces, PlumbedInterface.load(p));
        assertEquals(List.of(), PlumbedInterface.load(new Properties()), "state files without NICs");
        assertEquals("192.168.122.7", ifaces.get(0).addressOnly());
    }
}
