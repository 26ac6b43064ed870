package org.corral.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link InterfacePlumber} for real: veths, bridges, addresses, routes, nftables NAT, pings
 * between "containers". Each scenario ({@link PlumbingScenarios}) runs in a forked JVM inside
 * {@code unshare -n -m --propagation private} with sysfs remounted, so only a throw-away network
 * namespace is touched, never the host's; everything in it dies with the helper. Needs root,
 * iproute2, nftables, util-linux and iputils-ping; it fails loudly when not root rather than
 * being skipped unseen.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InterfacePlumberRootTest {

    @ParameterizedTest
    @ValueSource(strings = {"network", "bridge", "ethernet", "failures"})
    void scenario(String name) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("InterfacePlumberRootTest needs root: it creates network namespaces, veths and bridges. "
                    + "Run `mvn test` as root, or exclude it with -Dtest='!InterfacePlumberRootTest'.");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = List.of(CommandRunner.resolve("unshare"), "-n", "-m", "--propagation", "private",
                "/bin/sh", "-c", "mount -t sysfs sysfs /sys && ip link set lo up && exec \"$@\"", "sh",
                java, "-cp", System.getProperty("java.class.path"), PlumbingScenarios.class.getName(), name,
                Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), "scenario " + name + " hung");
        assertEquals(0, p.exitValue(), "scenario " + name + " failed:\n" + out);
        assertTrue(out.contains("PASSED " + name), out);
    }
}
