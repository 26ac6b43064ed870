package org.corral.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The definition a start runs on: a copy of the one in effect, never the stored one itself. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ContainerLiveCopyTest {

    private static Domain parse(String memoryMiB) throws CorralException {
        return DomainXml.parse("<domain type='lxc'><name>lc</name><uuid>6a1e6f9e-3f0b-4f51-9d7e-0c1b2a3d4e5f</uuid>"
                + "<memory unit='MiB'>" + memoryMiB + "</memory><os><type>exe</type><init>/bin/sh</init></os>"
                + "<devices><console type='pty'/></devices></domain>");
    }

    @Test
    void eachStartRunsOnAFreshCopyOfTheDefinitionInEffect() throws Exception {
        Domain stored = parse("64");
        Container c = new Container(stored, null, Path.of("/etc/corral/containers/lc.xml"));
        Domain first = c.takeLiveCopy();
        assertNotSame(stored, first, "a copy, not the stored definition");
        assertEquals(DomainXml.format(stored), DomainXml.format(first));
        assertNotSame(first, c.takeLiveCopy(), "a copy serves one start");
        c.replacePersistentDefinition(parse("128"), Path.of("/etc/corral/containers/lc.xml"));
        assertEquals(128L * 1024, c.takeLiveCopy().getMemoryKiB(), "the definition in effect");
    }

    @Test
    void aTransientContainerRunsOnItsOwnDefinition() throws Exception {
        Domain live = parse("64");
        Container c = new Container(null, live, null);
        assertSame(live, c.takeLiveCopy());
    }
}
