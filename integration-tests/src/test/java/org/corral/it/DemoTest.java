package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's main job, examples/demo.sh, as a user runs it (on the tarball this build made):
 * it defines the seed's first example, prints it back with libvirt's defaults, lists it, and
 * leaves nothing running.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DemoTest {

    @Test
    void demoDefinesPrintsAndListsTheSeedsFirstExample() {
        Path demo = Install.projectRoot().resolve("examples/demo.sh");
        long before = Processes.withEnvironment("DBUS_SYSTEM_BUS_ADDRESS", "target/demo/bus/socket").size();
        Cli.Result r = Cli.exec(List.of("bash", demo.toString()), Map.of("CORRAL_DEMO_NO_BUILD", "1"), Duration.ofSeconds(150));
        assertEquals(0, r.exitCode(), r.describe());
        String out = r.stdout();
        assertTrue(out.contains("o \"/org/corral1/container/vm1\""), "DefineXML answered the object path:\n" + out);
        assertTrue(out.contains("<uuid>") && out.contains("<memory unit='KiB'>500000</memory>")
                && out.contains("<target type='lxc' port='0'/>"), "GetXML printed the definition with defaults:\n" + out);
        assertTrue(out.contains("a(ssso) 1 \"vm1\""), "ListContainers lists it:\n" + out);
        assertTrue(out.contains("vm1.xml"), "the stored file is shown:\n" + out);
        assertEquals(before, Processes.withEnvironment("DBUS_SYSTEM_BUS_ADDRESS", "target/demo/bus/socket").size(),
                "the demo stopped the bus and service it started");
    }
}
