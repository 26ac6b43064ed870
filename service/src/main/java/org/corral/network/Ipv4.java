package org.corral.network;

/**
 * IPv4 addresses as ints (host order, compared unsigned). Parsing is strict: four decimal
 * fields 0..255, nothing else, so no resolver is ever asked.
 */
public final class Ipv4 {

    private Ipv4() {
    }

    /** The address, or throws IllegalArgumentException naming the text. */
    public static int parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no address");
        }
        String[] parts = text.strip().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        }
        int value = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            int b = Integer.parseInt(p);
            if (b > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (" + b + " > 255)");
            }
            value = value << 8 | b;
        }
        return value;
    }

    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static String format(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    /** The mask of a prefix length 0..32. */
    public static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The prefix length of a contiguous netmask, or -1. */
    public static int prefixOf(int netmask) {
        int prefix = Integer.bitCount(netmask);
        return mask(prefix) == netmask ? prefix : -1;
    }

    public static int network(int address, int prefix) {
        return address & mask(prefix);
    }

    public static int broadcast(int address, int prefix) {
        return address | ~mask(prefix);
    }

    public static boolean inSubnet(int address, int subnetAddress, int prefix) {
        return network(address, prefix) == network(subnetAddress, prefix);
    }

    /**
     * libvirt's default prefix when neither prefix nor netmask is given
     * (virSocketAddrGetIPPrefix): 0 for 0.0.0.0, else the address's class (8, 16, 24), -1 above.
     */
    public static int classfulPrefix(int address) {
        if (address == 0) {
            return 0;
        }
        int first = address >>> 24;
        return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : -1;
    }

    /** "a.b.c.d/p" of the subnet an address is in. */
    public static String cidr(int address, int prefix) {
        return format(network(address, prefix)) + "/" + prefix;
    }
}
