package org.corral.network;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.core.CorralException;

/**
 * The body of {@link InterfacePlumberRootTest}, run as its own process inside a network and
 * mount namespace of its own ({@code unshare -n -m --propagation private}, sysfs remounted so
 * that /sys/class/net shows that namespace): nothing here can touch the host's network.
 * "Containers" are {@code unshare -n sleep 60} processes standing in for init. Exit status 0 =
 * the scenario passed; otherwise the stack trace is on stderr.
 */
public final class PlumbingScenarios {

    private final CommandRunner cmd = new CommandRunner();
    private final List<Process> containers = new ArrayList<>();
    private final NetworkRegistry networks;
    private final InterfacePlumber plumber;

    private PlumbingScenarios(Path store) throws Exception {
        networks = new NetworkRegistry(new NetworkStore(store));
        networks.load();
        plumber = new InterfacePlumber(networks);
    }

    public static void main(String[] args) throws Exception {
        // args[1]: the network namespace of the test JVM, which must not be ours.
        if (args.length < 2 || Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString().equals(args[1])) {
            System.err.println("refusing to run in the host's network namespace");
            System.exit(2);
        }
        Path store = Files.createTempDirectory("corral-net-test");
        PlumbingScenarios s = new PlumbingScenarios(store);
        int status = 0;
        try {
            switch (args[0]) {
                case "network" -> s.network();
                case "bridge" -> s.bridge();
                case "ethernet" -> s.ethernet();
                case "failures" -> s.failures();
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.println("PASSED " + args[0]);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        } finally {
            s.stopContainers();
            deleteTree(store);
        }
        System.exit(status);
    }

    /** The network store this run made (a few XML files). */
    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Kills the stand-ins by PID (their namespaces go with them). */
    void stopContainers() throws InterruptedException {
        for (Process p : containers) {
            p.destroyForcibly().waitFor();
        }
    }

    // ---------------------------------------------------------------------------------------

    void network() throws Exception {
        networks.define(NetworkXml.parse("""
                <network>
                  <name>testnet</name>
                  <forward mode='nat'/>
                  <bridge name='br-ct'/>
                  <ip address='198.18.77.1' prefix='24'>
                    <dhcp><range start='198.18.77.10' end='198.18.77.50'/></dhcp>
                  </ip>
                </network>"""));
        String u1 = UUID.randomUUID().toString();
        String u2 = UUID.randomUUID().toString();
        int c1 = container();
        int c2 = container();
        List<PlumbedInterface> p1 = plumber.plumb(domain("c1", """
                <interface type='network'><mac address='00:16:3e:00:00:01'/><source network='testnet'/>
                  <target dev='vhost-c1'/></interface>"""), c1, u1);
        List<PlumbedInterface> p2 = plumber.plumb(domain("c2", """
                <interface type='network'><source network='testnet'/><guest dev='lan0'/></interface>"""), c2, u2);
        check(p1.size() == 1 && p2.size() == 1, "one NIC each");
        PlumbedInterface n1 = p1.get(0);
        PlumbedInterface n2 = p2.get(0);
        check(n1.hostDev().equals("vhost-c1") && n1.guestDev().equals("eth0"), "names " + n1);
        check(n2.hostDev().matches("veth[0-9a-f]{6}") && n2.guestDev().equals("lan0"), "names " + n2);
        check(n1.bridge().equals("br-ct") && n1.network().equals("testnet") && n1.allocated() && n1.nat(), "" + n1);
        check(!n1.address().equals(n2.address()), "two containers, two addresses: " + n1 + " " + n2);
        for (PlumbedInterface n : List.of(n1, n2)) {
            int a = Ipv4.parse(n.addressOnly());
            check(n.address().endsWith("/24") && a >= Ipv4.parse("198.18.77.10") && a <= Ipv4.parse("198.18.77.50"),
                    "address from the range: " + n.address());
        }
        check(Set.of("c1", "c2").equals(plumber.usersOf("testnet")), "users " + plumber.usersOf("testnet"));
        check(plumber.isActive(networks.lookup("testnet")), "bridge up");
        check(Files.readString(Path.of("/sys/class/net/vhost-c1/master/uevent")).contains("INTERFACE=br-ct"), "enslaved");
        check(in(c1, "ip", "link", "show", "eth0").contains("00:16:3e:00:00:01"), "guest MAC");
        check(cmd.check("host MAC", "ip", "link", "show", "vhost-c1").contains("fe:16:3e:00:00:01"), "host end MAC");
        check(in(c1, "ip", "route").contains("default via 198.18.77.1 dev eth0"), "default route: " + in(c1, "ip", "route"));
        check(in(c2, "ip", "link", "show", "lo").contains("UP"), "lo up");
        ping(0, n1.addressOnly());
        ping(0, n2.addressOnly());
        ping(c1, n2.addressOnly());
        ping(c2, "198.18.77.1");
        String rules = cmd.check("nft", "nft", "list", "ruleset");
        check(rules.contains("table ip corral") && rules.contains("chain net-testnet")
                && rules.contains("ip saddr 198.18.77.0/24 ip daddr != 198.18.77.0/24 oifname != \"br-ct\" masquerade"),
                "NAT rules:\n" + rules);
        check(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip().equals("1"), "ip_forward");

        // c1 ends (its namespace and peer go), the service tears down: bridge stays for c2.
        containers.get(0).destroyForcibly().waitFor();
        plumber.unplumb(p1);
        // Either unplumb deleted it, or the kernel was already removing it with c1's namespace
        // (then its ifindex is unreadable and unplumb leaves it alone): gone either way, soon.
        check(goneWithin("vhost-c1", 2000), "host end of c1 removed");
        check(exists("br-ct") && plumber.usersOf("testnet").equals(Set.of("c2")), "bridge kept while c2 runs");

        // Same UUID again: same address (stable per container).
        int c1b = container();
        List<PlumbedInterface> again = plumber.plumb(domain("c1", """
                <interface type='network'><source network='testnet'/></interface>"""), c1b, u1);
        check(again.get(0).address().equals(n1.address()), "stable address: " + again.get(0) + " vs " + n1);
        plumber.unplumb(again);

        // Last one: its host end, the bridge and the NAT table go; unplumb twice is harmless.
        plumber.unplumb(p2);
        plumber.unplumb(p2);
        check(!exists(n2.hostDev()) && !exists("br-ct"), "veth and bridge removed");
        check(!cmd.check("nft", "nft", "list", "ruleset").contains("corral"), "nft table removed");
        check(plumber.usersOf("testnet").isEmpty() && !plumber.isActive(networks.lookup("testnet")), "inactive");
    }

    void bridge() throws Exception {
        cmd.check("bridge", "ip", "link", "add", "br-pre", "type", "bridge");
        cmd.check("addr", "ip", "addr", "add", "198.18.78.1/24", "dev", "br-pre");
        cmd.check("up", "ip", "link", "set", "br-pre", "up");
        int c = container();
        List<PlumbedInterface> p = plumber.plumb(domain("b1", """
                <interface type='bridge'><source bridge='br-pre'/>
                  <ip address='198.18.78.5' prefix='24'/>
                  <route address='10.99.0.0' prefix='16' gateway='198.18.78.1'/>
                </interface>"""), c, UUID.randomUUID().toString());
        check(p.get(0).type().equals("bridge") && p.get(0).bridge().equals("br-pre"), "" + p);
        ping(0, "198.18.78.5");
        ping(c, "198.18.78.1");
        check(in(c, "ip", "route").contains("10.99.0.0/16 via 198.18.78.1 dev eth0"), in(c, "ip", "route"));
        plumber.unplumb(p);
        check(!exists(p.get(0).hostDev()), "host end removed");
        check(exists("br-pre"), "a bridge corral did not make is left alone");

        int c2 = container();
        CorralException e = expectFailure(() -> plumber.plumb(domain("b2", """
                <interface type='bridge'><source bridge='br-none'/></interface>"""), c2, UUID.randomUUID().toString()));
        check(e.getMessage().contains("bridge 'br-none'") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    void ethernet() throws Exception {
        int c = container();
        List<PlumbedInterface> p = plumber.plumb(domain("e1", """
                <interface type='ethernet'>
                  <mac address='00:16:3e:0f:ef:8a'/>
                  <source>
                    <ip address='198.18.79.12' family='ipv4' prefix='32' peer='198.18.79.1'/>
                    <route family='ipv4' address='198.18.124.0' prefix='24' gateway='198.18.79.1'/>
                  </source>
                  <ip address='198.18.79.1' family='ipv4' prefix='32' peer='198.18.79.12'/>
                  <guest dev='eth2'/>
                </interface>"""), c, UUID.randomUUID().toString());
        PlumbedInterface n = p.get(0);
        check(n.type().equals("ethernet") && n.guestDev().equals("eth2") && n.bridge().isEmpty(), "" + n);
        String hostAddr = cmd.check("addr", "ip", "-4", "addr", "show", "dev", n.hostDev());
        check(hostAddr.contains("198.18.79.12 peer 198.18.79.1/32"), hostAddr);
        check(cmd.check("route", "ip", "route").contains("198.18.124.0/24 via 198.18.79.1 dev " + n.hostDev()),
                cmd.check("route", "ip", "route"));
        check(in(c, "ip", "-4", "addr", "show", "dev", "eth2").contains("198.18.79.1 peer 198.18.79.12/32"),
                in(c, "ip", "addr"));
        ping(0, "198.18.79.1");
        plumber.unplumb(p);
        check(!exists(n.hostDev()), "host end removed");
    }

    void failures() throws Exception {
        networks.define(NetworkXml.parse("""
                <network><name>fail</name><forward mode='nat'/><bridge name='br-fail'/>
                  <ip address='198.18.80.1' prefix='24'/></network>"""));
        int c = container();
        // The second NIC fails: the first one's veth, the bridge and the NAT rules are rolled back.
        CorralException e = expectFailure(() -> plumber.plumb(domain("f1", """
                <interface type='network'><source network='fail'/><target dev='vfail0'/></interface>
                <interface type='bridge'><source bridge='br-missing'/></interface>"""), c, UUID.randomUUID().toString()));
        check(e.getMessage().contains("interface 2 of container 'f1'"), e.getMessage());
        check(!exists("vfail0") && !exists("br-fail"), "rolled back");
        check(!cmd.check("nft", "nft", "list", "ruleset").contains("corral"), "NAT rolled back");
        check(plumber.usersOf("fail").isEmpty(), "no users");

        CorralException direct = expectFailure(() -> plumber.plumb(domain("f2", """
                <interface type='direct'><source dev='eth0' mode='bridge'/></interface>"""), c, UUID.randomUUID().toString()));
        check(direct.getMessage().contains("type 'direct', which is not supported"), direct.getMessage());

        // A taken host name: the ip error comes through.
        cmd.check("taken", "ip", "link", "add", "vtaken", "type", "bridge");
        CorralException taken = expectFailure(() -> plumber.plumb(domain("f3", """
                <interface type='network'><source network='fail'/><target dev='vtaken'/></interface>"""), c,
                UUID.randomUUID().toString()));
        check(taken.getMessage().contains("cannot create veth vtaken") && taken.getMessage().contains("File exists"),
                taken.getMessage());

        CorralException noNet = expectFailure(() -> plumber.plumb(domain("f4", """
                <interface type='network'><source network='nonesuch'/></interface>"""), c, UUID.randomUUID().toString()));
        check(noNet.kind() == CorralException.Kind.NO_SUCH_NETWORK, noNet.getMessage());
    }

    // ---------------------------------------------------------------------------------------

    static Domain domain(String name, String interfaces) throws CorralException {
        return DomainXml.parse("<domain type='lxc'><name>" + name + "</name><memory unit='MiB'>64</memory>"
                + "<os><type>exe</type><init>/bin/sh</init></os><devices>" + interfaces
                + "<console type='pty'/></devices></domain>");
    }

    /** A stand-in for init: a process in a network namespace of its own; returns its PID. */
    int container() throws Exception {
        Process p = new ProcessBuilder(CommandRunner.resolve("unshare"), "-n", "sleep", "60")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        containers.add(p);
        Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
        Path ns = Path.of("/proc", Long.toString(p.pid()), "ns", "net");
        for (int i = 0; i < 500; i++) {
            if (!Files.readSymbolicLink(ns).equals(own)
                    && Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).startsWith("sleep")) {
                return (int) p.pid();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("unshare -n did not get its namespace");
    }

    /** Runs a command inside a container's network namespace; its stdout. */
    String in(int pid, String... argv) throws CorralException {
        List<String> all = new ArrayList<>(List.of("nsenter", "--net=/proc/" + pid + "/ns/net"));
        all.addAll(List.of(argv));
        return cmd.check("in " + pid + ": " + String.join(" ", argv), all, null);
    }

    /** Pings from a container (pid), or from the test namespace (pid 0). */
    void ping(int pid, String address) throws CorralException {
        List<String> argv = List.of("ping", "-c", "1", "-W", "3", address);
        if (pid == 0) {
            cmd.check("ping " + address, argv, null);
        } else {
            in(pid, argv.toArray(String[]::new));
        }
    }

    static boolean exists(String dev) {
        return Files.exists(Path.of("/sys/class/net", dev));
    }

    static boolean goneWithin(String dev, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (exists(dev) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return !exists(dev);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    interface Body {
        void run() throws Exception;
    }

    static CorralException expectFailure(Body body) throws Exception {
        try {
            body.run();
        } catch (CorralException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
