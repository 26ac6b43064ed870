package org.corral.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.corral.network.model.NetworkDefinition;

/**
 * Host-side pieces of a network: its bridge (created, addressed and up on first use, deleted
 * when no port is left) and its NAT rules. NAT is nftables only: table {@code ip corral}, one
 * base chain {@code net-<network name>} per network (postrouting, srcnat priority) that
 * masquerades the network's subnet leaving by any interface but the bridge. Nothing else on the
 * host is touched, except that net.ipv4.ip_forward is set to 1 when a NAT network comes up (and,
 * as libvirt does, never set back: other software may rely on it by then). The sysfs view
 * ({@code /sys/class/net}) must belong to the network namespace corral works in.
 */
final class HostNetwork {

    private static final Logger LOG = LogManager.getLogger(HostNetwork.class);
    static final String NFT_TABLE = "corral";

    private final CommandRunner cmd;
    private final Path sysClassNet;
    private final Path ipForward;

    HostNetwork(CommandRunner cmd, Path sysClassNet, Path ipForward) {
        this.cmd = cmd;
        this.sysClassNet = sysClassNet;
        this.ipForward = ipForward;
    }

    boolean exists(String dev) {
        return Files.exists(sysClassNet.resolve(dev));
    }

    boolean isBridge(String dev) {
        return Files.isDirectory(sysClassNet.resolve(dev).resolve("bridge"));
    }

    /** IFF_UP of the device; false when it does not exist. */
    boolean isUp(String dev) {
        if (dev == null) {
            return false;
        }
        try {
            String flags = Files.readString(sysClassNet.resolve(dev).resolve("flags")).strip();
            return (Long.decode(flags) & 1) != 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The device's ifindex, or -1 when it does not exist. */
    int ifindex(String dev) {
        try {
            return Integer.parseInt(Files.readString(sysClassNet.resolve(dev).resolve("ifindex")).strip());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The devices enslaved to a bridge. */
    List<String> ports(String bridge) {
        try (Stream<Path> s = Files.list(sysClassNet.resolve(bridge).resolve("brif"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Creates the network's bridge if needed, sets its addresses, brings it up, adds NAT. Idempotent. */
    void ensureUp(NetworkDefinition def) throws CorralException {
        String br = def.bridgeName();
        if (!exists(br)) {
            String what = "cannot create bridge " + br + " of network '" + def.getName() + "'";
            if (def.getMac() != null) {
                cmd.check(what, "ip", "link", "add", br, "address", def.getMac().getAddress(), "type", "bridge");
            } else {
                cmd.check(what, "ip", "link", "add", br, "type", "bridge");
            }
            LOG.info("created bridge {} for network '{}'", br, def.getName());
        } else if (!isBridge(br)) {
            throw new CorralException(Kind.FAILED, "network '" + def.getName() + "' needs bridge " + br
                    + ", but a device of that name exists on the host and is not a bridge");
        }
        NetworkXml.Ipv4Net v4 = NetworkXml.ipv4(def);
        if (v4 != null) {
            cmd.check("cannot set address " + v4.bridgeCidr() + " on bridge " + br,
                    "ip", "addr", "replace", v4.bridgeCidr(), "dev", br);
        }
        String v6 = NetworkXml.ipv6Cidr(def);
        if (v6 != null) {
            cmd.check("cannot set address " + v6 + " on bridge " + br,
                    "ip", "-6", "addr", "replace", v6, "dev", br, "nodad");
        }
        cmd.check("cannot bring bridge " + br + " up", "ip", "link", "set", br, "up");
        if ("nat".equals(def.forwardMode()) && v4 != null) {
            addNat(def.getName(), v4.subnet(), br);
        }
    }

    /** Deletes the bridge when it has no port left; then the network's NAT chain. Idempotent. */
    void removeIfUnused(String network, String bridge, boolean nat) {
        if (exists(bridge)) {
            List<String> ports = ports(bridge);
            if (!ports.isEmpty()) {
                LOG.info("keeping bridge {}: ports {} are still attached", bridge, ports);
                return;
            }
            try {
                cmd.check("cannot delete bridge " + bridge, "ip", "link", "del", bridge);
                LOG.info("deleted bridge {} of network '{}'", bridge, network);
            } catch (CorralException e) {
                if (exists(bridge)) {
                    LOG.warn("{}", e.getMessage());
                    return;
                }
            }
        }
        if (nat) {
            try {
                removeNat(network);
            } catch (CorralException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
    }

    static String chain(String network) {
        return "net-" + network;
    }

    void addNat(String network, String subnet, String bridge) throws CorralException {
        try {
            Files.writeString(ipForward, "1\n");
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot enable IPv4 forwarding (" + ipForward + ") for network '"
                    + network + "': " + e.getMessage(), e);
        }
        String c = chain(network);
        String script = "add table ip " + NFT_TABLE + "\n"
                + "add chain ip " + NFT_TABLE + " " + c + " { type nat hook postrouting priority srcnat; policy accept; }\n"
                + "flush chain ip " + NFT_TABLE + " " + c + "\n"
                + "add rule ip " + NFT_TABLE + " " + c + " ip saddr " + subnet + " ip daddr != " + subnet
                + " oifname != \"" + bridge + "\" masquerade\n";
        cmd.check("cannot add the NAT rules of network '" + network + "'", List.of("nft", "-f", "-"), script);
    }

    void removeNat(String network) throws CorralException {
        String c = chain(network);
        // add-then-delete makes the deletion succeed whether or not the chain is there.
        String script = "add table ip " + NFT_TABLE + "\n"
                + "add chain ip " + NFT_TABLE + " " + c + " { type nat hook postrouting priority srcnat; policy accept; }\n"
                + "delete chain ip " + NFT_TABLE + " " + c + "\n";
        cmd.check("cannot remove the NAT rules of network '" + network + "'", List.of("nft", "-f", "-"), script);
        String rest = cmd.check("cannot list nftables table ip " + NFT_TABLE, "nft", "list", "table", "ip", NFT_TABLE);
        if (!rest.contains("chain ")) {
            cmd.check("cannot delete nftables table ip " + NFT_TABLE, "nft", "delete", "table", "ip", NFT_TABLE);
        }
    }
}
