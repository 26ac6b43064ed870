package org.corral.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.store.ConfigStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContainerRegistryTest {

    private static final String UUID_A = "e21987a5-e98e-9c99-0e35-803e4d9ad1fe";

    @TempDir
    Path dir;
    ConfigStore store;
    ContainerRegistry registry;
    final List<String> events = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        store = new ConfigStore(dir);
        store.open();
        registry = new ContainerRegistry(store);
        registry.addListener(new RegistryListener() {
            @Override
            public void containerAdded(Container c) {
                events.add("added " + c.name());
            }

            @Override
            public void containerRemoved(Container c) {
                events.add("removed " + c.name());
            }

            @Override
            public void containerChanged(Container c, Set<String> properties) {
                events.add("changed " + c.name() + " " + properties);
            }

            @Override
            public void stateChanged(Container c, ContainerState state, StateMachine.Reason reason) {
                events.add("state " + c.name() + " " + state.busName() + " " + reason.busName());
            }
        });
    }

    static Domain domain(String name, String uuid, int memoryKiB) throws CorralException {
        String uuidElement = uuid == null ? "" : "<uuid>" + uuid + "</uuid>";
        return DomainXml.parse("<domain type='lxc'><name>" + name + "</name>" + uuidElement
                + "<memory>" + memoryKiB + "</memory><os><type>exe</type><init>/bin/sh</init></os>"
                + "<devices><console type='pty'/></devices></domain>");
    }

    @Test
    void defineStoresTheFileAndAnnounces() throws Exception {
        Container c = registry.define(domain("web", UUID_A, 1024));
        assertEquals("web", c.name());
        assertEquals(UUID_A, c.uuid());
        assertEquals(ContainerState.SHUTOFF, c.state());
        assertTrue(c.isPersistent());
        assertEquals(dir.resolve("web.xml"), c.configPath().orElseThrow());
        assertEquals(DomainXml.format(c.inactiveDefinition()), Files.readString(dir.resolve("web.xml")));
        assertEquals(List.of("added web"), events);
    }

    @Test
    void redefineReplacesTheConfigAndKeepsTheUuid() throws Exception {
        Container first = registry.define(domain("web", null, 1024));
        Container second = registry.define(domain("web", null, 2048));
        assertSame(first, second);
        assertEquals(first.uuid(), second.uuid());
        assertTrue(Files.readString(dir.resolve("web.xml")).contains(">2048<"));
        assertEquals(List.of("added web"), events);
    }

    @Test
    void redefineWithAnotherUuidIsRefusedAndChangesNothing() throws Exception {
        registry.define(domain("web", UUID_A, 1024));
        String before = Files.readString(dir.resolve("web.xml"));
        CorralException e = assertThrows(CorralException.class,
                () -> registry.define(domain("web", "8369f1ac-7e46-e869-4ca5-759d51478066", 2048)));
        assertEquals(CorralException.Kind.ALREADY_EXISTS, e.kind());
        assertEquals(before, Files.readString(dir.resolve("web.xml")));
    }

    @Test
    void aUuidCannotBeUsedTwice() throws Exception {
        registry.define(domain("web", UUID_A, 1024));
        CorralException e = assertThrows(CorralException.class, () -> registry.define(domain("db", UUID_A, 1024)));
        assertEquals(CorralException.Kind.ALREADY_EXISTS, e.kind());
        assertTrue(e.getMessage().contains("'web'"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("db.xml")));
    }

    @Test
    void lookupsByNameAndUuid() throws Exception {
        registry.define(domain("web", UUID_A, 1024));
        assertEquals("web", registry.lookup("web").name());
        assertEquals("web", registry.lookupByUuid(UUID_A.toUpperCase()).name());
        assertEquals("web", registry.lookupByUuid(UUID_A.replace("-", "")).name());
        assertEquals(CorralException.Kind.NO_SUCH_CONTAINER,
                assertThrows(CorralException.class, () -> registry.lookup("nope")).kind());
        assertEquals(CorralException.Kind.NO_SUCH_CONTAINER,
                assertThrows(CorralException.class, () -> registry.lookupByUuid("not-a-uuid")).kind());
    }

    @Test
    void undefineRemovesFileAndObject() throws Exception {
        registry.define(domain("web", UUID_A, 1024));
        registry.undefine("web");
        assertFalse(Files.exists(dir.resolve("web.xml")));
        assertTrue(registry.list().isEmpty());
        assertEquals(List.of("added web", "removed web"), events);
        assertEquals(CorralException.Kind.NO_SUCH_CONTAINER,
                assertThrows(CorralException.class, () -> registry.undefine("web")).kind());
    }

    @Test
    void storeSkipsCorruptAndMismatchedFiles() throws Exception {
        registry.define(domain("web", UUID_A, 1024));
        registry.define(domain("db", null, 1024));
        Files.writeString(dir.resolve("bad.xml"), "<domain type='lxc'><name>bad");
        Files.writeString(dir.resolve("other.xml"), DomainXml.format(domain("notother", null, 1)));
        Files.writeString(dir.resolve(".tmp-web.xml.123"), "half a file");
        store.open();
        List<String> names = new ArrayList<>();
        for (Domain d : store.loadAll()) {
            names.add(d.getName());
        }
        names.sort(null);
        assertEquals(List.of("db", "web"), names);
        assertFalse(Files.exists(dir.resolve(".tmp-web.xml.123")), "leftover temp file is swept");
    }

    @Test
    void listIsSortedByName() throws Exception {
        registry.define(domain("zeta", null, 1));
        registry.define(domain("alpha", null, 1));
        assertEquals(List.of("alpha", "zeta"), registry.list().stream().map(Container::name).toList());
    }
}
