package org.corral.network;

import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Marshaller;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.xml.transform.dom.DOMResult;
import org.corral.config.DomainXml;
import org.corral.config.SafeXml;
import org.corral.config.Uuids;
import org.corral.config.model.Located;
import org.corral.core.CorralException;
import org.corral.network.model.NetworkDefinition;
import org.corral.network.model.NetworkDefinition.Ip;
import org.corral.network.model.NetworkDefinition.Range;

/**
 * libvirt network XML, the subset corral runs: parse (with the domain parser's safety, see
 * {@link SafeXml}), validate, fill defaults, format as libvirt does.
 *
 * <pre>{@code
 * <network>
 *   <name>default</name>                      same rule as container names
 *   <uuid>...</uuid>                           generated when absent
 *   <forward mode='nat'/>                      nat | none; <forward/> means nat (as in libvirt);
 *                                              no <forward> = isolated, like none
 *   <bridge name='corral0'/>                   at most 15 bytes; generated (corralN) when absent
 *   <mac address='52:54:00:..'/>               the bridge's MAC, optional
 *   <ip address='192.168.122.1' netmask='255.255.255.0'>   or prefix='24'; prefix 1..30
 *     <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
 *   </ip>
 *   <ip family='ipv6' address='fd00::1' prefix='64'/>      optional, at most one
 * </network>
 * }</pre>
 *
 * <p>The IPv4 {@code <ip>} address goes on the bridge; containers get addresses from the
 * {@code <range>}s (default: the whole subnet minus the bridge address), configured from the
 * host: corral runs no DHCP server, the {@code <dhcp>} element only names the pool. Elements and
 * attributes libvirt knows and corral does not apply ({@code <dns>}, {@code <domain>},
 * {@code stp}, ...) are kept as written.
 */
public final class NetworkXml {

    /** Largest document accepted, in bytes: network XML is tiny; 64 KiB leaves ample room. */
    public static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    /** IFNAMSIZ - 1. */
    public static final int MAX_DEVICE_NAME_BYTES = 15;
    /** The name of the built-in network. */
    public static final String DEFAULT_NAME = "default";

    private static final Set<String> SINGLETONS = Set.of("name", "uuid", "forward", "bridge", "mac");
    private static final Pattern MAC = Pattern.compile("\\p{XDigit}{1,2}(:\\p{XDigit}{1,2}){5}");
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_.-]+");

    private NetworkXml() {
    }

    private static final class Holder {
        static final JAXBContext CONTEXT = create();

        private static JAXBContext create() {
            try {
                return JAXBContext.newInstance(NetworkDefinition.class);
            } catch (JAXBException e) {
                throw new IllegalStateException("the network model is not a valid JAXB model", e);
            }
        }
    }

    /** Parses, validates and fills defaults (uuid, forward mode); never returns null. */
    public static NetworkDefinition parse(String xml) throws CorralException {
        NetworkDefinition def = SafeXml.read(Holder.CONTEXT, NetworkDefinition.class, "network", SINGLETONS,
                "network XML", MAX_DOCUMENT_BYTES, xml);
        validate(def);
        applyDefaults(def);
        return def;
    }

    /** Formats as libvirt's net-dumpxml: single quotes, two-space indent, trailing newline. */
    public static String format(NetworkDefinition def) {
        return SafeXml.format(Holder.CONTEXT, def);
    }

    /** A deep copy through JAXB, unknown content included. */
    public static NetworkDefinition copy(NetworkDefinition def) {
        try {
            DOMResult dom = new DOMResult();
            Marshaller m = Holder.CONTEXT.createMarshaller();
            m.marshal(def, dom);
            NetworkDefinition copy = (NetworkDefinition) Holder.CONTEXT.createUnmarshaller().unmarshal(dom.getNode());
            copy.setUuidGenerated(def.isUuidGenerated());
            return copy;
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot copy the network model", e);
        }
    }

    /**
     * {@code UUID.nameUUIDFromBytes("corral:network:default")}, written out: computing it at every
     * start brought up the JDK's security providers for MD5, about 5 ms of bus activation
     * (NetworkXmlTest checks the value).
     */
    static final String DEFAULT_UUID = "68cf1d5a-d6ee-34af-83c8-4936c352b543";

    /**
     * The network that exists out of the box: {@code default}, bridge {@code corral0},
     * 192.168.122.1/24 with addresses .2 to .254 (libvirt's default network), NAT to the
     * outside. Its UUID is fixed (a name-based UUID of "corral:network:default"), so it stays the
     * same across restarts. A stored default.xml replaces it; undefining that brings this back.
     */
    public static NetworkDefinition builtInDefault() {
        NetworkDefinition def = new NetworkDefinition();
        def.setName(DEFAULT_NAME);
        def.setUuid(DEFAULT_UUID);
        def.setForward(new NetworkDefinition.Forward("nat"));
        def.setBridge(new NetworkDefinition.Bridge("corral0"));
        Ip ip = new Ip("192.168.122.1", "255.255.255.0");
        NetworkDefinition.Dhcp dhcp = new NetworkDefinition.Dhcp();
        dhcp.getRanges().add(new Range("192.168.122.2", "192.168.122.254"));
        ip.setDhcp(dhcp);
        def.getIps().add(ip);
        return def;
    }

    /** Checks a network name: the container name rule (see {@link DomainXml#checkName}). */
    public static void checkName(String name) throws CorralException {
        if (name == null || name.isEmpty()) {
            throw CorralException.invalidConfig("<name> is empty: a network needs a name");
        }
        DomainXml.checkName(name);
    }

    /** Checks a host network device name (bridge, veth): 1..15 bytes of [A-Za-z0-9_.-]. */
    public static String deviceNameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "it is empty";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_DEVICE_NAME_BYTES) {
            return "it is longer than " + MAX_DEVICE_NAME_BYTES + " bytes (the kernel's limit for device names)";
        }
        if (!DEVICE.matcher(name).matches()) {
            return "use only ASCII letters, digits, '_', '-' and '.'";
        }
        if (name.equals(".") || name.equals("..")) {
            return "'.' and '..' are not device names";
        }
        return null;
    }

    /** The IPv4 side of a network: the bridge address, the prefix and the allocation pool. */
    public record Ipv4Net(int address, int prefix, AddressAllocator.Pool pool) {
        public String bridgeCidr() {
            return Ipv4.format(address) + "/" + prefix;
        }

        public String subnet() {
            return Ipv4.cidr(address, prefix);
        }
    }

    /** The IPv4 {@code <ip>} of a validated network, or null when it has none. */
    public static Ipv4Net ipv4(NetworkDefinition def) {
        for (Ip ip : def.getIps()) {
            if (!ip.isIpv6()) {
                int address = Ipv4.parse(ip.getAddress());
                int prefix = prefixOf(ip);
                List<int[]> ranges = new ArrayList<>();
                if (ip.getDhcp() != null && !ip.getDhcp().getRanges().isEmpty()) {
                    for (Range r : ip.getDhcp().getRanges()) {
                        ranges.add(new int[] {Ipv4.parse(r.getStart()), Ipv4.parse(r.getEnd())});
                    }
                } else {
                    ranges.add(new int[] {Ipv4.network(address, prefix) + 1, Ipv4.broadcast(address, prefix) - 1});
                }
                return new Ipv4Net(address, prefix, new AddressAllocator.Pool(ranges, address));
            }
        }
        return null;
    }

    /** "address/prefix" of the IPv6 {@code <ip>}, or null. */
    public static String ipv6Cidr(NetworkDefinition def) {
        for (Ip ip : def.getIps()) {
            if (ip.isIpv6()) {
                return ip.getAddress().strip() + "/" + ip.getPrefix().strip();
            }
        }
        return null;
    }

    /** The IPv6 address of the network's bridge, or null. */
    public static String ipv6Address(NetworkDefinition def) {
        for (Ip ip : def.getIps()) {
            if (ip.isIpv6()) {
                return ip.getAddress().strip();
            }
        }
        return null;
    }

    private static int prefixOf(Ip ip) {
        return ip.getPrefix() != null ? Integer.parseInt(ip.getPrefix().strip())
                : Ipv4.prefixOf(Ipv4.parse(ip.getNetmask()));
    }

    static void applyDefaults(NetworkDefinition def) {
        if (def.getUuid() == null) {
            def.setUuid(Uuids.random());
            def.setUuidGenerated(true);
        } else {
            def.setUuid(Uuids.normalise(def.getUuid()));
        }
        if (def.getForward() != null && def.getForward().getMode() == null) {
            def.getForward().setMode("nat"); // libvirt: <forward/> is NAT
        }
        if (def.getMac() != null) {
            def.getMac().setAddress(def.getMac().getAddress().strip().toLowerCase(java.util.Locale.ROOT));
        }
    }

    static void validate(NetworkDefinition def) throws CorralException {
        checkName(def.getName());
        if (def.getUuid() != null && Uuids.normalise(def.getUuid()) == null) {
            throw CorralException.invalidConfig("<uuid> " + SafeXml.quote(def.getUuid())
                    + " is not a UUID (32 hex digits, dashes optional)");
        }
        String mode = def.forwardMode();
        if (mode != null && !mode.equals("nat") && !mode.equals("none")) {
            throw problem(def.getForward(), "/network/forward", "forward mode " + SafeXml.quote(mode)
                    + " is not supported: corral runs 'nat' and 'none' (or no <forward>: isolated)");
        }
        if (def.getBridge() != null) {
            String why = deviceNameProblem(def.getBridge().getName());
            if (why != null) {
                throw problem(def.getBridge(), "/network/bridge", "bridge name "
                        + SafeXml.quote(def.getBridge().getName()) + " is invalid: " + why);
            }
        }
        if (def.getMac() != null) {
            String mac = def.getMac().getAddress();
            if (mac == null || !MAC.matcher(mac.strip()).matches()) {
                throw problem(def.getMac(), "/network/mac", "MAC address " + SafeXml.quote(mac)
                        + " is invalid: six hex bytes separated by ':' are needed");
            }
            if ((Integer.parseInt(mac.strip().substring(0, mac.strip().indexOf(':')), 16) & 1) != 0) {
                throw problem(def.getMac(), "/network/mac", "MAC address '" + mac
                        + "' is a multicast address; a bridge needs a unicast one");
            }
        }
        int v4 = 0;
        int v6 = 0;
        for (int i = 0; i < def.getIps().size(); i++) {
            Ip ip = def.getIps().get(i);
            String p = "/network/ip[" + (i + 1) + "]";
            String family = ip.getFamily();
            if (family != null && !family.equals("ipv4") && !family.equals("ipv6")) {
                throw problem(ip, p, "family " + SafeXml.quote(family) + " is not 'ipv4' or 'ipv6'");
            }
            if (ip.isIpv6()) {
                if (++v6 > 1) {
                    throw problem(ip, p, "a network has at most one IPv6 <ip>");
                }
                ipv6(ip, p);
            } else {
                if (++v4 > 1) {
                    throw problem(ip, p, "a network has at most one IPv4 <ip>");
                }
                ipv4(ip, p);
            }
        }
        if ("nat".equals(mode) && v4 == 0) {
            throw problem(def.getForward(), "/network/forward", "forward mode 'nat' needs an IPv4 <ip> to translate");
        }
    }

    private static void ipv4(Ip ip, String p) throws CorralException {
        int address;
        try {
            address = Ipv4.parse(ip.getAddress());
        } catch (IllegalArgumentException e) {
            throw problem(ip, p, "address " + SafeXml.quote(ip.getAddress()) + " is not an IPv4 address");
        }
        if (ip.getNetmask() != null && ip.getPrefix() != null) {
            throw problem(ip, p, "give netmask or prefix, not both");
        }
        int prefix;
        if (ip.getPrefix() != null) {
            prefix = prefixNumber(ip, p, 30);
        } else if (ip.getNetmask() != null) {
            int mask;
            try {
                mask = Ipv4.parse(ip.getNetmask());
            } catch (IllegalArgumentException e) {
                throw problem(ip, p, "netmask " + SafeXml.quote(ip.getNetmask()) + " is not an IPv4 netmask");
            }
            prefix = Ipv4.prefixOf(mask);
            if (prefix < 0) {
                throw problem(ip, p, "netmask '" + ip.getNetmask() + "' is not contiguous");
            }
            if (prefix < 1 || prefix > 30) {
                throw problem(ip, p, "netmask '" + ip.getNetmask() + "' gives prefix " + prefix
                        + "; it must be 1 to 30");
            }
        } else {
            throw problem(ip, p, "an IPv4 <ip> needs netmask='...' or prefix='...'");
        }
        String subnet = Ipv4.cidr(address, prefix);
        if (address == Ipv4.network(address, prefix) || address == Ipv4.broadcast(address, prefix)) {
            throw problem(ip, p, "address " + ip.getAddress() + " is the network or broadcast address of " + subnet);
        }
        if (ip.getDhcp() == null) {
            return;
        }
        List<Range> ranges = ip.getDhcp().getRanges();
        for (int i = 0; i < ranges.size(); i++) {
            Range r = ranges.get(i);
            String rp = p + "/dhcp/range[" + (i + 1) + "]";
            int start = rangeEnd(r, rp, "start", r.getStart());
            int end = rangeEnd(r, rp, "end", r.getEnd());
            for (int a : new int[] {start, end}) {
                if (!Ipv4.inSubnet(a, address, prefix) || a == Ipv4.network(address, prefix)
                        || a == Ipv4.broadcast(address, prefix)) {
                    throw problem(r, rp, "range " + r.getStart() + " - " + r.getEnd() + " is not inside "
                            + subnet + " (network and broadcast addresses excluded)");
                }
            }
            if (Integer.compareUnsigned(start, end) > 0) {
                throw problem(r, rp, "range start " + r.getStart() + " is after its end " + r.getEnd());
            }
        }
    }

    private static int rangeEnd(Range r, String rp, String which, String text) throws CorralException {
        try {
            return Ipv4.parse(text);
        } catch (IllegalArgumentException e) {
            throw problem(r, rp, which + " " + SafeXml.quote(text) + " is not an IPv4 address");
        }
    }

    private static void ipv6(Ip ip, String p) throws CorralException {
        String a = ip.getAddress();
        if (a == null || a.indexOf(':') < 0 || !isIpv6(a.strip())) {
            throw problem(ip, p, "address " + SafeXml.quote(a) + " is not an IPv6 address");
        }
        if (ip.getNetmask() != null) {
            throw problem(ip, p, "an IPv6 <ip> takes prefix='...', not a netmask");
        }
        if (ip.getPrefix() == null) {
            throw problem(ip, p, "an IPv6 <ip> needs prefix='...'");
        }
        prefixNumber(ip, p, 127);
        if (ip.getDhcp() != null) {
            throw problem(ip.getDhcp(), p + "/dhcp", "corral allocates IPv4 addresses only: give containers their "
                    + "IPv6 address in their <interface><ip family='ipv6' .../>");
        }
    }

    private static int prefixNumber(Ip ip, String p, int max) throws CorralException {
        String text = ip.getPrefix().strip();
        int prefix;
        try {
            prefix = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 1 || prefix > max) {
            throw problem(ip, p, "prefix " + SafeXml.quote(ip.getPrefix()) + " must be a number from 1 to " + max);
        }
        return prefix;
    }

    /** True for an IPv6 literal; never resolves names (the text must contain ':'). */
    static boolean isIpv6(String text) {
        if (text.isEmpty() || text.indexOf(':') < 0 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0
                || c == ':' || c == '.')) {
            return false;
        }
        try {
            return InetAddress.getByName(text) instanceof Inet6Address;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static CorralException problem(Located element, String path, String message) {
        return SafeXml.problem(element, path, message);
    }
}
