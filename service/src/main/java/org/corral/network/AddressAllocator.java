package org.corral.network;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/**
 * Picks IPv4 addresses for containers from a network's pool. The first candidate is derived
 * from the container's UUID (so a container gets the same address on every start while it is
 * free), then the pool is probed linearly, wrapping around, skipping addresses in use. Pure:
 * the caller passes the addresses in use, taken from the live allocations of running containers.
 */
public final class AddressAllocator {

    private AddressAllocator() {
    }

    /** Inclusive address ranges, and one address (the bridge's) that is never handed out. */
    public record Pool(List<int[]> ranges, int excluded) {

        public long size() {
            long n = 0;
            for (int[] r : ranges) {
                n += Integer.toUnsignedLong(r[1]) - Integer.toUnsignedLong(r[0]) + 1;
            }
            return n;
        }

        /** The index-th address, counting through the ranges in order. */
        public int at(long index) {
            for (int[] r : ranges) {
                long len = Integer.toUnsignedLong(r[1]) - Integer.toUnsignedLong(r[0]) + 1;
                if (index < len) {
                    return (int) (Integer.toUnsignedLong(r[0]) + index);
                }
                index -= len;
            }
            throw new IndexOutOfBoundsException();
        }

        public boolean contains(int address) {
            long a = Integer.toUnsignedLong(address);
            for (int[] r : ranges) {
                if (a >= Integer.toUnsignedLong(r[0]) && a <= Integer.toUnsignedLong(r[1])) {
                    return true;
                }
            }
            return false;
        }

        String describe() {
            StringBuilder sb = new StringBuilder();
            for (int[] r : ranges) {
                sb.append(sb.length() == 0 ? "" : ", ").append(Ipv4.format(r[0])).append(" - ").append(Ipv4.format(r[1]));
            }
            return sb.toString();
        }
    }

    /**
     * An address of {@code pool} not in {@code inUse}, the first candidate derived from
     * {@code containerUuid}.
     *
     * @throws CorralException FAILED when every address of the pool is taken
     */
    public static int allocate(String network, Pool pool, String containerUuid, Set<Integer> inUse)
            throws CorralException {
        long size = pool.size();
        long first = size == 0 ? 0 : Math.floorMod(hash(containerUuid), size);
        for (long i = 0; i < size; i++) {
            int candidate = pool.at((first + i) % size);
            if (candidate != pool.excluded() && !inUse.contains(candidate)) {
                return candidate;
            }
        }
        throw new CorralException(Kind.FAILED, "network '" + network + "' has no free address: all " + size
                + " addresses of its range " + pool.describe() + " are in use");
    }

    /** A well-mixed 64-bit number from the UUID text (case and dashes do not matter). */
    static long hash(String uuid) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(
                    uuid.replace("-", "").toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = h << 8 | (d[i] & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
