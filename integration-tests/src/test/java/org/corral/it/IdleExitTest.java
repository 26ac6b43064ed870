package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.corral.it.runtime.BusyboxRoot;
import org.corral.it.runtime.LxcXml;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bus-activated service exits when it has nothing to do: no call for the idle time and no
 * container running; a running container keeps it alive.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IdleExitTest {
    private final Install install = Install.fromBuild();
    private PrivateSystemBus bus;
    private CorralService service;
    private BusyboxRoot root;

    @AfterEach
    void down() {
        if (service != null) {
            service.close();
        }
        if (root != null) {
            root.close();
        }
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    void exitsWhenIdleButNotWhileAContainerRuns() throws Exception {
        bus = PrivateSystemBus.withoutActivation(install);
        service = CorralService.startWithArgs(install, bus, "--idle-timeout", "2");
        Cli cli = bus.cli();
        root = BusyboxRoot.create();
        String xml = LxcXml.named("idle-run").root(root).init(root.script("init.sh", "while :; do sleep 1; done\n")).xml();
        cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "CreateXML", "sahu", xml, "0", "0").assertSuccess();
        Thread.sleep(5000);
        assertTrue(service.isAlive(), "a running container keeps the service: " + service.stderr());

        cli.busctlCall(Domains.path("idle-run"), Install.CONTAINER_IFACE, "Destroy").assertSuccess();
        assertTrue(Poll.until(Duration.ofSeconds(15), () -> !service.isAlive()),
                "idle for 2 s with nothing running: the service exits\n" + service.stderr());
        assertTrue(service.stderr().contains("idle timeout"), service.stderr());
        assertFalse(service.isAlive());
    }
}
