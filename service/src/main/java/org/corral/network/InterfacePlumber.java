package org.corral.network;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.config.model.Domain;
import org.corral.config.model.Interface;
import org.corral.config.model.IpAddress;
import org.corral.config.model.Route;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.corral.network.model.NetworkDefinition;

/**
 * Sets up and tears down the NICs of a container, from the host, while its init waits after
 * clone (libvirt's LXC driver does the same in its controller).
 *
 * <p>Per {@code <interface>}, in order:
 * <ul>
 * <li>{@code type='network'}: the network's bridge is made ready ({@link HostNetwork#ensureUp});
 *     a veth pair is created whose host end is {@code <target dev>} or a free vethXXXXXX, joins
 *     the bridge and goes up, and whose peer is created directly in init's network namespace as
 *     {@code <guest dev>} or eth0, eth1, ... with the interface's {@code <mac>}; its address is
 *     the interface's {@code <ip>}, else one from the network's range
 *     ({@link AddressAllocator}: stable per container UUID, never given twice while running);
 *     default route via the bridge address, plus {@code <route>}s.</li>
 * <li>{@code type='bridge'}: the same with the existing bridge {@code <source bridge>}, addresses
 *     and routes only from the XML.</li>
 * <li>{@code type='ethernet'}: a veth pair, host end up with no bridge; {@code <source><ip/route>}
 *     go on the host end, the top-level ones inside.</li>
 * <li>other types: FAILED "not supported".</li>
 * </ul>
 * Inside the namespace everything (lo up, addresses, links up, routes) is configured by one
 * {@code nsenter --net=/proc/PID/ns/net ip -batch -}. As in libvirt, the host end's MAC is the
 * guest MAC with the first byte 0xfe (so the bridge never takes a container's MAC), and a guest
 * NIC is brought up when it has an address or {@code <link state='up'/>}, never when
 * {@code <link state='down'/>}.
 *
 * <p>Host ends vanish with the container's namespace; {@link #unplumb} deletes those still there
 * and the bridge (with its NAT rules) of a network when no port is left. One lock serialises
 * plumbing and teardown, so a bridge is never removed while another container is joining it.
 */
public final class InterfacePlumber {

    private static final Logger LOG = LogManager.getLogger(InterfacePlumber.class);
    /** Made on first use: a SecureRandom brings up the JDK's security providers, which a start need not wait for. */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    private final NetworkRegistry networks;
    private final CommandRunner cmd;
    private final HostNetwork host;
    /** Container UUID -> its name and NICs: the live allocations. */
    private final Map<String, Owner> live = new LinkedHashMap<>();

    private record Owner(String name, List<PlumbedInterface> ifaces) {
    }

    public InterfacePlumber(NetworkRegistry networks) {
        this(networks, new CommandRunner(), Path.of("/sys/class/net"), Path.of("/proc/sys/net/ipv4/ip_forward"));
    }

    InterfacePlumber(NetworkRegistry networks, CommandRunner cmd, Path sysClassNet, Path ipForward) {
        this.networks = networks;
        this.cmd = cmd;
        this.host = new HostNetwork(cmd, sysClassNet, ipForward);
    }

    /**
     * Creates and configures every {@code <interface>} of {@code live} for the init process
     * {@code initPid} (still waiting, its network namespace already made). On failure, whatever
     * was created is removed again before the exception.
     *
     * @return what teardown needs; empty when the container has no interfaces
     */
    public synchronized List<PlumbedInterface> plumb(Domain live, int initPid, String containerUuid)
            throws CorralException {
        List<Interface> nics = live.getDevices().getInterfaces();
        if (nics.isEmpty()) {
            return List.of();
        }
        String who = "container '" + live.getName() + "'";
        List<String> guestNames = guestNames(nics, who);
        Path ns = Path.of("/proc", Integer.toString(initPid), "ns", "net");
        if (!Files.exists(ns)) {
            throw new CorralException(Kind.FAILED, "cannot set up the network of " + who + ": init (pid " + initPid
                    + ") is gone");
        }
        List<PlumbedInterface> done = new ArrayList<>();
        Guest guest = new Guest();
        try {
            for (int i = 0; i < nics.size(); i++) {
                done.add(plumbOne(nics.get(i), i, guestNames.get(i), initPid, containerUuid, who, done, guest));
            }
            String script = guest.script();
            CommandRunner.Result r = cmd.run(List.of("nsenter", "--net=" + ns, "ip", "-batch", "-"), script);
            if (!r.ok()) {
                throw new CorralException(Kind.FAILED, "cannot configure the network inside " + who + ": " + r.reason()
                        + " (commands: " + script.strip().replace('\n', ';') + ")");
            }
            this.live.put(containerUuid, new Owner(live.getName(), List.copyOf(done)));
            return List.copyOf(done);
        } catch (CorralException | RuntimeException e) {
            teardown(done);
            throw e;
        }
    }

    /**
     * Removes what {@link #plumb} made: host ends still there (checked by ifindex, so a reused
     * name is left alone), then each network's bridge and NAT rules when no port is left.
     * Idempotent; problems are logged, never thrown.
     */
    public synchronized void unplumb(List<PlumbedInterface> ifaces) {
        teardown(ifaces);
    }

    /**
     * Takes back the NICs of a container found running after a service restart (read from its
     * live state), so that their addresses are not handed out again and their networks count as
     * used.
     */
    public synchronized void adopt(String containerName, String containerUuid, List<PlumbedInterface> ifaces) {
        if (!ifaces.isEmpty()) {
            live.put(containerUuid, new Owner(containerName, List.copyOf(ifaces)));
        }
    }

    /** Names of the running containers with a NIC on the network. */
    public synchronized Set<String> usersOf(String network) {
        Set<String> out = new TreeSet<>();
        for (Owner o : live.values()) {
            if (o.ifaces().stream().anyMatch(f -> f.network().equals(network))) {
                out.add(o.name());
            }
        }
        return out;
    }

    /** True when the network's bridge exists and is up. */
    public boolean isActive(NetworkDefinition def) {
        return host.isUp(def.bridgeName());
    }

    // ---------------------------------------------------------------------------------------

    private PlumbedInterface plumbOne(Interface nic, int index, String guestDev, int pid, String uuid, String who,
            List<PlumbedInterface> earlier, Guest guest) throws CorralException {
        String type = nic.getType() == null ? "" : nic.getType();
        String where = "interface " + (index + 1) + " of " + who;
        String mac = nic.getMacAddress();
        boolean linkDown = nic.getLink() != null && "down".equals(nic.getLink().getState());
        boolean linkUp = nic.getLink() != null && "up".equals(nic.getLink().getState());
        switch (type) {
            case "network": {
                String name = nic.getSource() == null ? null : nic.getSource().getNetwork();
                NetworkDefinition def = networks.find(name).orElseThrow(() -> new CorralException(Kind.NO_SUCH_NETWORK,
                        where + " uses network '" + name + "', which is not defined"));
                host.ensureUp(def);
                boolean nat = "nat".equals(def.forwardMode()) && NetworkXml.ipv4(def) != null;
                String address = "";
                boolean allocated = false;
                NetworkXml.Ipv4Net v4 = NetworkXml.ipv4(def);
                List<IpAddress> v4Given = nic.getIps().stream().filter(ip -> !isV6(ip.getAddress())).toList();
                Set<Integer> inUse = addressesInUse(name, earlier);
                if (!v4Given.isEmpty()) {
                    for (IpAddress ip : v4Given) {
                        int a = parseV4(ip.getAddress(), where);
                        if (inUse.contains(a)) {
                            throw new CorralException(Kind.FAILED, where + ": address " + ip.getAddress()
                                    + " on network '" + name + "' is already used by " + userOf(name, a, earlier));
                        }
                    }
                    IpAddress first = v4Given.get(0);
                    address = first.getAddress().strip() + "/" + prefixOf(first, v4);
                } else if (v4 != null) {
                    int a = AddressAllocator.allocate(name, v4.pool(), uuid, inUse);
                    address = Ipv4.format(a) + "/" + v4.prefix();
                    allocated = true;
                }
                String hostDev = createVeth(nic, guestDev, mac, pid, where);
                PlumbedInterface made = new PlumbedInterface("network", hostDev, host.ifindex(hostDev), guestDev, name,
                        def.bridgeName(), address, allocated, nat);
                try {
                    attach(hostDev, mac, def.bridgeName(), where);
                } catch (CorralException e) {
                    teardown(List.of(made));
                    throw e;
                }
                boolean up = !linkDown;
                if (allocated) {
                    guest.add("addr add " + address + " dev " + guestDev);
                }
                guestAddresses(nic, guestDev, guest);
                if (up) {
                    guest.add("link set " + guestDev + " up");
                    guestRoutes(nic, guestDev, guest);
                    if (v4 != null && !address.isEmpty() && !hasDefaultRoute(nic, false)
                            && Ipv4.inSubnet(Ipv4.parse(made.addressOnly()), v4.address(), v4.prefix())) {
                        guest.route("route add default via " + Ipv4.format(v4.address()) + " dev " + guestDev);
                    }
                    String v6Gateway = NetworkXml.ipv6Address(def);
                    if (v6Gateway != null && nic.getIps().stream().anyMatch(ip -> isV6(ip.getAddress()))
                            && !hasDefaultRoute(nic, true)) {
                        guest.route("-6 route add default via " + v6Gateway + " dev " + guestDev);
                    }
                }
                return made;
            }
            case "bridge": {
                String bridge = nic.getSource() == null ? null : nic.getSource().getBridge();
                if (bridge == null || !host.isBridge(bridge)) {
                    throw new CorralException(Kind.FAILED, where + " joins bridge '" + bridge
                            + "', which does not exist on the host");
                }
                String hostDev = createVeth(nic, guestDev, mac, pid, where);
                PlumbedInterface made = new PlumbedInterface("bridge", hostDev, host.ifindex(hostDev), guestDev, "",
                        bridge, firstV4(nic), false, false);
                try {
                    attach(hostDev, mac, bridge, where);
                } catch (CorralException e) {
                    teardown(List.of(made));
                    throw e;
                }
                guestSide(nic, guestDev, linkUp, linkDown, guest);
                return made;
            }
            case "ethernet": {
                String hostDev = createVeth(nic, guestDev, mac, pid, where);
                PlumbedInterface made = new PlumbedInterface("ethernet", hostDev, host.ifindex(hostDev), guestDev, "",
                        "", firstV4(nic), false, false);
                try {
                    attach(hostDev, mac, null, where);
                    if (nic.getSource() != null) {
                        for (IpAddress ip : nic.getSource().getIps()) {
                            List<String> argv = new ArrayList<>(List.of("ip"));
                            argv.addAll(List.of(addrArgs(ip).split(" ")));
                            argv.addAll(List.of("dev", hostDev));
                            cmd.check("cannot add host address " + ip.getAddress() + " to " + hostDev + " (" + where + ")",
                                    argv, null);
                        }
                        for (Route r : nic.getSource().getRoutes()) {
                            List<String> argv = new ArrayList<>(List.of("ip"));
                            argv.addAll(List.of(routeArgs(r).split(" ")));
                            argv.addAll(List.of("dev", hostDev));
                            cmd.check("cannot add host route " + routeArgs(r) + " via " + hostDev + " (" + where + ")",
                                    argv, null);
                        }
                    }
                } catch (CorralException e) {
                    teardown(List.of(made));
                    throw e;
                }
                guestSide(nic, guestDev, linkUp, linkDown, guest);
                return made;
            }
            default:
                throw new CorralException(Kind.FAILED, where + " has type '" + type + "', which is not supported: "
                        + "corral connects interfaces of type network, bridge and ethernet");
        }
    }

    private void guestSide(Interface nic, String guestDev, boolean linkUp, boolean linkDown, Guest guest)
            throws CorralException {
        guestAddresses(nic, guestDev, guest);
        if (!linkDown && (!nic.getIps().isEmpty() || linkUp)) {
            guest.add("link set " + guestDev + " up");
            guestRoutes(nic, guestDev, guest);
        }
    }

    private static void guestAddresses(Interface nic, String guestDev, Guest guest) throws CorralException {
        for (IpAddress ip : nic.getIps()) {
            guest.add(addrArgs(ip) + " dev " + guestDev);
        }
    }

    private static void guestRoutes(Interface nic, String guestDev, Guest guest) throws CorralException {
        for (Route r : nic.getRoutes()) {
            guest.route(routeArgs(r) + " dev " + guestDev);
        }
    }

    /** "addr add A/P" or "addr add A peer P/prefix", the prefix defaulted as libvirt does. */
    static String addrArgs(IpAddress ip) throws CorralException {
        String a = checkAddress(ip.getAddress());
        boolean v6 = isV6(a);
        Integer prefix = ip.getPrefixText() == null ? null : ip.getPrefix();
        int p = prefix != null ? prefix : v6 ? 64 : Ipv4.classfulPrefix(Ipv4.parse(a));
        if (ip.getPeer() != null) {
            return (v6 ? "-6 " : "") + "addr add " + a + " peer " + checkAddress(ip.getPeer()) + "/" + p;
        }
        return (v6 ? "-6 " : "") + "addr add " + a + "/" + p;
    }

    /** "route add N/P via G metric M"; prefix from prefix, netmask or libvirt's default. */
    static String routeArgs(Route r) throws CorralException {
        String a = checkAddress(r.getAddress());
        boolean v6 = isV6(a);
        int p;
        if (r.getPrefixText() != null) {
            p = r.getPrefix();
        } else if (r.getNetmask() != null) {
            p = Ipv4.prefixOf(Ipv4.parse(r.getNetmask()));
        } else if (v6) {
            p = a.equals("::") ? 0 : 64;
        } else {
            p = Ipv4.classfulPrefix(Ipv4.parse(a));
        }
        StringBuilder sb = new StringBuilder(v6 ? "-6 " : "").append("route add ").append(a).append('/').append(p);
        if (r.getGateway() != null) {
            sb.append(" via ").append(checkAddress(r.getGateway()));
        }
        if (r.getMetricText() != null) {
            sb.append(" metric ").append(r.getMetric());
        }
        return sb.toString();
    }

    private static boolean hasDefaultRoute(Interface nic, boolean v6) {
        for (Route r : nic.getRoutes()) {
            String a = r.getAddress() == null ? "" : r.getAddress().strip();
            if (isV6(a) == v6 && (a.equals("0.0.0.0") || a.equals("::"))
                    && (r.getPrefixText() == null || r.getPrefix() == 0)) {
                return true;
            }
        }
        return false;
    }

    /** Addresses go into ip's argument list and batch lines: only address characters pass. */
    private static String checkAddress(String a) throws CorralException {
        String s = a == null ? "" : a.strip();
        if (s.isEmpty() || !(Ipv4.isValid(s) || NetworkXml.isIpv6(s))) {
            throw new CorralException(Kind.INVALID_CONFIG, "'" + a + "' is not an IP address");
        }
        return s;
    }

    private static boolean isV6(String a) {
        return a != null && a.indexOf(':') >= 0;
    }

    private static int parseV4(String a, String where) throws CorralException {
        try {
            return Ipv4.parse(a);
        } catch (IllegalArgumentException e) {
            throw new CorralException(Kind.INVALID_CONFIG, where + ": " + e.getMessage());
        }
    }

    private static int prefixOf(IpAddress ip, NetworkXml.Ipv4Net v4) {
        if (ip.getPrefixText() != null) {
            return ip.getPrefix();
        }
        return v4 != null ? v4.prefix() : Ipv4.classfulPrefix(Ipv4.parse(ip.getAddress()));
    }

    private static String firstV4(Interface nic) {
        for (IpAddress ip : nic.getIps()) {
            if (!isV6(ip.getAddress())) {
                Integer p = ip.getPrefixText() == null ? null : ip.getPrefix();
                String a = ip.getAddress().strip();
                return a + "/" + (p != null ? p : Ipv4.classfulPrefix(Ipv4.parse(a)));
            }
        }
        return "";
    }

    /** IPv4 addresses held on a network by running containers and by NICs made so far. */
    private Set<Integer> addressesInUse(String network, List<PlumbedInterface> earlier) {
        Set<Integer> out = new HashSet<>();
        List<PlumbedInterface> all = new ArrayList<>(earlier);
        live.values().forEach(o -> all.addAll(o.ifaces()));
        for (PlumbedInterface f : all) {
            if (f.network().equals(network) && !f.addressOnly().isEmpty()) {
                out.add(Ipv4.parse(f.addressOnly()));
            }
        }
        return out;
    }

    private String userOf(String network, int address, List<PlumbedInterface> earlier) {
        for (PlumbedInterface f : earlier) {
            if (f.network().equals(network) && f.addressOnly().equals(Ipv4.format(address))) {
                return "another interface of the same container";
            }
        }
        for (Owner o : live.values()) {
            for (PlumbedInterface f : o.ifaces()) {
                if (f.network().equals(network) && f.addressOnly().equals(Ipv4.format(address))) {
                    return "container '" + o.name() + "'";
                }
            }
        }
        return "another container";
    }

    /** The guest names: {@code <guest dev>}, else eth0, eth1, ... skipping names given explicitly. */
    static List<String> guestNames(List<Interface> nics, String who) throws CorralException {
        Set<String> explicit = new LinkedHashSet<>();
        for (int i = 0; i < nics.size(); i++) {
            Interface nic = nics.get(i);
            String given = nic.getGuest() == null ? null : nic.getGuest().getDev();
            if (given != null) {
                checkDevice(given, "guest device name", i, who);
                if (!explicit.add(given)) {
                    throw new CorralException(Kind.INVALID_CONFIG, "interface " + (i + 1) + " of " + who
                            + ": guest device name '" + given + "' is used twice");
                }
            }
            String target = nic.getTarget() == null ? null : nic.getTarget().getDev();
            if (target != null) {
                checkDevice(target, "target device name", i, who);
            }
        }
        List<String> out = new ArrayList<>();
        int n = 0;
        for (Interface nic : nics) {
            String given = nic.getGuest() == null ? null : nic.getGuest().getDev();
            if (given == null) {
                while (explicit.contains("eth" + n)) {
                    n++;
                }
                given = "eth" + n++;
            }
            out.add(given);
        }
        return out;
    }

    private static void checkDevice(String name, String what, int i, String who) throws CorralException {
        String why = NetworkXml.deviceNameProblem(name);
        if (why != null) {
            throw new CorralException(Kind.INVALID_CONFIG, "interface " + (i + 1) + " of " + who + ": " + what + " '"
                    + name + "' is invalid: " + why);
        }
    }

    /** Creates the pair with the peer directly in init's namespace; returns the host end's name. */
    private String createVeth(Interface nic, String guestDev, String mac, int pid, String where) throws CorralException {
        String target = nic.getTarget() == null ? null : nic.getTarget().getDev();
        for (int attempt = 0; ; attempt++) {
            String hostDev = target != null ? target : generatedName();
            if (target == null && host.exists(hostDev)) {
                continue;
            }
            List<String> argv = new ArrayList<>(List.of("ip", "link", "add", hostDev, "type", "veth", "peer", "name",
                    guestDev));
            if (mac != null) {
                argv.addAll(List.of("address", mac));
            }
            argv.addAll(List.of("netns", Integer.toString(pid)));
            CommandRunner.Result r = cmd.run(argv, null);
            if (r.ok()) {
                return hostDev;
            }
            if (target == null && attempt < 8 && r.stderr().contains("File exists") && host.exists(hostDev)) {
                continue; // lost a race for a generated name
            }
            throw new CorralException(Kind.FAILED, "cannot create veth " + hostDev + " (" + where + "): " + r.reason());
        }
    }

    private static String generatedName() {
        return String.format("veth%06x", Random.INSTANCE.nextInt(1 << 24));
    }

    /** Host end: MAC fe:xx:.. from the guest's, into the bridge (if any), up. */
    private void attach(String hostDev, String guestMac, String bridge, String where) throws CorralException {
        List<String> argv = new ArrayList<>(List.of("ip", "link", "set", hostDev));
        if (guestMac != null && guestMac.length() > 2) {
            argv.addAll(List.of("address", "fe" + guestMac.substring(guestMac.indexOf(':'))));
        }
        if (bridge != null) {
            argv.addAll(List.of("master", bridge));
        }
        argv.add("up");
        cmd.check("cannot " + (bridge != null ? "attach " + hostDev + " to bridge " + bridge : "bring " + hostDev + " up")
                + " (" + where + ")", argv, null);
    }

    private void teardown(List<PlumbedInterface> ifaces) {
        for (PlumbedInterface f : ifaces) {
            if (f.hostDev().isEmpty() || !host.exists(f.hostDev())) {
                continue;
            }
            int index = host.ifindex(f.hostDev());
            if (f.hostIfindex() > 0 && index != f.hostIfindex()) {
                LOG.warn("leaving {} alone: its ifindex is {}, not {} as recorded, so it is not ours", f.hostDev(),
                        index, f.hostIfindex());
                continue;
            }
            try {
                CommandRunner.Result r = cmd.run(List.of("ip", "link", "del", f.hostDev()), null);
                if (!r.ok() && host.exists(f.hostDev())) {
                    LOG.warn("cannot delete veth {}: {}", f.hostDev(), r.reason());
                }
            } catch (CorralException e) {
                LOG.warn("cannot delete veth {}: {}", f.hostDev(), e.getMessage());
            }
        }
        Set<PlumbedInterface> gone = new HashSet<>(ifaces);
        live.entrySet().removeIf(e -> {
            List<PlumbedInterface> rest = e.getValue().ifaces().stream().filter(f -> !gone.contains(f)).toList();
            if (rest.size() == e.getValue().ifaces().size()) {
                return false;
            }
            e.setValue(new Owner(e.getValue().name(), rest));
            return rest.isEmpty();
        });
        Map<String, PlumbedInterface> bridges = new LinkedHashMap<>();
        for (PlumbedInterface f : ifaces) {
            if (f.type().equals("network") && !f.bridge().isEmpty()) {
                bridges.merge(f.bridge(), f, (a, b) -> a.nat() ? a : b);
            }
        }
        for (PlumbedInterface f : bridges.values()) {
            boolean stillUsed = live.values().stream()
                    .anyMatch(o -> o.ifaces().stream().anyMatch(g -> g.bridge().equals(f.bridge())));
            if (!stillUsed) {
                host.removeIfUnused(f.network(), f.bridge(), f.nat());
            }
        }
    }

    /** The commands for {@code ip -batch} inside the namespace: lo, addresses and links, then routes. */
    private static final class Guest {
        private final List<String> lines = new ArrayList<>(List.of("link set lo up"));
        private final List<String> routes = new ArrayList<>();

        void add(String line) {
            lines.add(line);
        }

        void route(String line) {
            routes.add(line);
        }

        String script() {
            StringBuilder sb = new StringBuilder();
            lines.forEach(l -> sb.append(l).append('\n'));
            routes.forEach(l -> sb.append(l).append('\n'));
            return sb.toString();
        }
    }
}
