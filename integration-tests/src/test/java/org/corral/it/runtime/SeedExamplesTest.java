package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.corral.it.Cli;
import org.corral.it.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two example configurations of libvirt's LXC documentation, exactly as examples/ holds
 * them (both with {@code <interface type='network'><source network='default'/>}), started and
 * used. The service runs in a network namespace of its own whose "default" network uses
 * link-local addresses, so the host's network is never touched.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SeedExamplesTest {

    private static final String TEST_DEFAULT_NETWORK = """
            <network>
              <name>default</name>
              <bridge name='ctest0'/>
              <ip address='169.254.77.1' prefix='24'>
                <dhcp>
                  <range start='169.254.77.10' end='169.254.77.200'/>
                </dhcp>
              </ip>
            </network>
            """;

    /** Runs a command inside a container through Exec and prints its stdout. */
    private static final String EXEC = """
            import dbus, os, sys
            bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
            c = bus.get_object("org.corral1", sys.argv[1])
            r, w = os.pipe()
            c.Exec(sys.argv[2:], [], dbus.types.UnixFd(0), dbus.types.UnixFd(w), dbus.types.UnixFd(w),
                   dbus.UInt32(0), dbus_interface="org.corral1.Container")
            os.close(w)
            out = b""
            while True:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                out += chunk
            sys.stdout.write(out.decode())
            """;

    private Rig rig;
    private final Path seedRoot = Path.of("/opt/vm-1-root");
    private boolean madeSeedRoot;

    @BeforeEach
    void up() {
        rig = Rig.startInNetworkNamespace(TEST_DEFAULT_NETWORK);
    }

    @AfterEach
    void down() {
        rig.close();
        if (madeSeedRoot) {
            Processes.deleteTree(seedRoot);
        }
    }

    @Test
    void firstExampleRunsAsWrittenWithAnAddressOnTheDefaultNetwork() throws IOException {
        String xml = Files.readString(examples().resolve("vm1.xml"));
        rig.track("vm1");
        rig.manager("DefineXML", "s", xml).assertSuccess();
        rig.start("vm1");
        assertEquals("running", rig.state("vm1"));

        String addr = exec("vm1", "ip", "-4", "-o", "addr", "show", "dev", "eth0");
        Matcher m = Pattern.compile("inet (169\\.254\\.77\\.\\d+)/24").matcher(addr);
        assertTrue(m.find(), "eth0 has an address of the default network: " + addr);
        String routes = exec("vm1", "ip", "-4", "route");
        assertTrue(routes.contains("default via 169.254.77.1"), "default route via the bridge: " + routes);
        assertEquals("vm1", exec("vm1", "hostname").trim());

        rig.call("vm1", "Destroy").assertSuccess();
        rig.awaitState("vm1", "shutoff");
    }

    @Test
    void secondExampleRunsAsWrittenAndTwoContainersReachEachOther() throws IOException {
        BusyboxRoot template = rig.newRoot();
        requireAbsent(seedRoot);
        copyTree(template.path(), seedRoot);
        madeSeedRoot = true;
        Path init = seedRoot.resolve("init");
        Files.writeString(init, "#!/bin/sh\nwhile :; do sleep 1; done\n");
        Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));

        String xml = Files.readString(examples().resolve("vm1-rootfs.xml"));
        rig.track("vm1");
        rig.manager("DefineXML", "s", xml).assertSuccess();
        rig.start("vm1");
        // A second container on the same network, from the same root.
        String other = xml.replace("<name>vm1</name>", "<name>vm2</name>");
        rig.track("vm2");
        rig.manager("DefineXML", "s", other).assertSuccess();
        rig.start("vm2");

        String a1 = address("vm1");
        String a2 = address("vm2");
        assertTrue(!a1.equals(a2), "addresses are never given twice: " + a1 + " " + a2);
        String ping = exec("vm1", "ping", "-c", "1", "-W", "3", a2);
        assertTrue(ping.contains("1 packets received"), "vm1 reaches vm2: " + ping);
        ping = exec("vm2", "ping", "-c", "1", "-W", "3", "169.254.77.1");
        assertTrue(ping.contains("1 packets received"), "vm2 reaches the bridge: " + ping);

        rig.call("vm1", "Destroy").assertSuccess();
        rig.call("vm2", "Destroy").assertSuccess();
        rig.awaitState("vm1", "shutoff");
        rig.awaitState("vm2", "shutoff");
    }

    private String address(String name) {
        String out = exec(name, "ip", "-4", "-o", "addr", "show", "dev", "eth0");
        Matcher m = Pattern.compile("inet (169\\.254\\.77\\.\\d+)/24").matcher(out);
        assertTrue(m.find(), name + " has an address: " + out);
        return m.group(1);
    }

    private String exec(String name, String... argv) {
        String[] args = new String[argv.length + 1];
        args[0] = org.corral.it.Domains.path(name);
        System.arraycopy(argv, 0, args, 1, argv.length);
        Cli.Result r = rig.cli().python(EXEC, args);
        r.assertSuccess();
        return r.stdout();
    }

    private static Path examples() {
        return Path.of(System.getProperty("corral.examples.dir", "../examples"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try {
            Process p = new ProcessBuilder("cp", "-a", from.toString() + "/.", to.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException("cp -a " + from + " " + to + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The test owns /opt/vm-1-root for its duration only: it fails rather than overwrite one it didn't make. */
    private static void requireAbsent(Path p) {
        assertTrue(!Files.exists(p), p + " exists already; this test makes and removes it, and won't touch one it didn't make");
    }
}
