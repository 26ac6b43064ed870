package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Definitions survive a restart of the service; a corrupt file is logged and skipped. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PersistenceTest {
    private final Install install = Install.fromBuild();
    private PrivateSystemBus bus;
    private CorralService service;

    @BeforeEach
    void startBus() {
        bus = PrivateSystemBus.withoutActivation(install);
    }

    @AfterEach
    void stop() {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            bus.close();
        }
    }

    @Test
    void definitionsSurviveRestartAndACorruptFileIsSkipped() throws Exception {
        service = CorralService.start(install, bus);
        Corral corral = new Corral(bus.cli());
        corral.define(Domains.vm1());
        corral.define(Domains.named("web-1"));
        String uuid1 = corral.uuid(Domains.path("vm1"));
        String uuid2 = corral.uuid(Domains.path("web-1"));
        String expected = "a(ssso) 2 " + Corral.listEntry("vm1", uuid1) + " " + Corral.listEntry("web-1", uuid2);
        assertEquals(expected, corral.list());
        String vm1Xml = corral.getXml(Domains.path("vm1"), 1);

        assertEquals(0, service.stop(), "SIGTERM ends the service with exit code 0; log:\n" + service.stderr());

        Files.writeString(bus.configDir().resolve("bad.xml"), "<domain type='lxc'><name>bad</name><memo");
        service = CorralService.start(install, bus);

        assertEquals(expected, corral.list(), "both containers are back, bad.xml skipped");
        assertEquals(vm1Xml, corral.getXml(Domains.path("vm1"), 1), "the definition is the same");
        assertEquals("b true", corral.property(Domains.path("web-1"), "Persistent"));
        assertTrue(service.stderr().contains("bad.xml"), "the log names bad.xml:\n" + service.stderr());
        assertTrue(service.isAlive() && corral.answers(), "the service runs");
        assertEquals(0, service.stop(), "exit code after the second SIGTERM; log:\n" + service.stderr());
    }
}
