package org.corral.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * One NIC corral set up for a running container: what teardown needs, kept in the container's
 * live state so that it works after the service was killed and restarted.
 *
 * @param type        network, bridge or ethernet
 * @param hostDev     the host end of the veth pair
 * @param hostIfindex its ifindex, so that a reused name is never deleted by mistake
 * @param guestDev    the name inside the container
 * @param network     the network's name (type network), else ""
 * @param bridge      the bridge the host end joined, else ""
 * @param address     the container's IPv4 address on a network, "a.b.c.d/p" ("" for none)
 * @param allocated   true when the address came from the network's pool (not the XML)
 * @param nat         true when the network had NAT rules when this NIC was set up
 */
public record PlumbedInterface(String type, String hostDev, int hostIfindex, String guestDev, String network,
        String bridge, String address, boolean allocated, boolean nat) {

    private static final String PREFIX = "net.";

    /** The IPv4 address without the prefix length, or "". */
    public String addressOnly() {
        int slash = address.indexOf('/');
        return slash < 0 ? address : address.substring(0, slash);
    }

    /** Adds {@code net.count} and {@code net.N.*} keys for every NIC to {@code p}. */
    public static void store(List<PlumbedInterface> ifaces, Properties p) {
        p.setProperty(PREFIX + "count", Integer.toString(ifaces.size()));
        for (int i = 0; i < ifaces.size(); i++) {
            PlumbedInterface f = ifaces.get(i);
            String k = PREFIX + i + ".";
            p.setProperty(k + "type", f.type());
            p.setProperty(k + "host", f.hostDev());
            p.setProperty(k + "ifindex", Integer.toString(f.hostIfindex()));
            p.setProperty(k + "guest", f.guestDev());
            p.setProperty(k + "network", f.network());
            p.setProperty(k + "bridge", f.bridge());
            p.setProperty(k + "address", f.address());
            p.setProperty(k + "allocated", Boolean.toString(f.allocated()));
            p.setProperty(k + "nat", Boolean.toString(f.nat()));
        }
    }

    /** The NICs stored by {@link #store}; none when the keys are absent (older state files). */
    public static List<PlumbedInterface> load(Properties p) {
        List<PlumbedInterface> out = new ArrayList<>();
        int n = Integer.parseInt(p.getProperty(PREFIX + "count", "0"));
        for (int i = 0; i < n; i++) {
            String k = PREFIX + i + ".";
            out.add(new PlumbedInterface(p.getProperty(k + "type", ""), p.getProperty(k + "host", ""),
                    Integer.parseInt(p.getProperty(k + "ifindex", "0")), p.getProperty(k + "guest", ""),
                    p.getProperty(k + "network", ""), p.getProperty(k + "bridge", ""),
                    p.getProperty(k + "address", ""), Boolean.parseBoolean(p.getProperty(k + "allocated")),
                    Boolean.parseBoolean(p.getProperty(k + "nat"))));
        }
        return out;
    }
}
