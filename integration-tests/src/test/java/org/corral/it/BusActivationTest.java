package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The first call to org.corral1 on a bus with the installed activation file starts the service. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BusActivationTest {
    private final Install install = Install.fromBuild();
    private PrivateSystemBus bus;

    @BeforeEach
    void startBus() {
        bus = PrivateSystemBus.withActivation(install);
    }

    @AfterEach
    void stopBus() {
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    void firstCallActivatesTheServiceWithTheArgumentsOfTheActivationFile() throws Exception {
        Cli cli = bus.cli();
        assertTrue(bus.activatedPids().isEmpty(), "nothing runs before the first call");

        Cli.Result first = cli.busctl("--timeout=60", "call", Install.BUS_NAME, Install.MANAGER_PATH,
                Install.MANAGER_IFACE, "ListContainers");
        assertTrue(first.ok(), first.describe() + "\n--- dbus-daemon log ---\n" + bus.daemonLog());
        assertEquals("a(ssso) 0", first.stdout().trim());

        Cli.Result status = cli.busctl("status", Install.BUS_NAME).assertSuccess();
        Matcher pid = Pattern.compile("(?m)^PID=(\\d+)$").matcher(status.stdout());
        assertTrue(pid.find(), "busctl status shows the owner's PID: " + status.stdout());
        long owner = Long.parseLong(pid.group(1));
        assertTrue(bus.activatedPids().contains(owner), "the owner was started by the bus: " + status.stdout());
        assertTrue(Processes.cmdline(owner).contains("org.corral.daemon.Main"), Processes.cmdline(owner));
        assertTrue(status.stdout().contains("UniqueName=:"), status.stdout());

        // The activated service uses the config dir the activation file names.
        String path = new Corral(cli).define(Domains.vm1());
        assertEquals(Domains.path("vm1"), path);
        assertTrue(Files.isRegularFile(bus.configDir().resolve("vm1.xml")), "config written to --config-dir");

        bus.close();
        assertFalse(Processes.isAlive(owner), "closing the bus stopped the activated service");
        bus = null;
    }
}
