package org.corral.config;

import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;

/**
 * Scaled sizes as libvirt reads them ({@code unit=} on memory elements, {@code units=} on RAM
 * filesystems): a non-negative integer and a unit, converted to KiB and rounded up.
 *
 * <p>Units are case-insensitive: b/byte/bytes; k, KiB (1024) and KB (1000); likewise M, G, T, P,
 * E with their iB (binary) and B (decimal) forms. No unit means KiB.
 */
final class Units {

    /** Largest size accepted, in bytes: it must fit a signed 64-bit byte count. */
    static final BigInteger MAX_BYTES = BigInteger.valueOf(Long.MAX_VALUE);

    private static final Map<Character, Integer> POWERS =
            Map.of('k', 1, 'm', 2, 'g', 3, 't', 4, 'p', 5, 'e', 6);

    private Units() {
    }

    /** Thrown for a bad number or unit; the message says which. */
    static final class BadValue extends Exception {
        BadValue(String message) {
            super(message);
        }
    }

    /** Converts {@code value unit} to KiB (rounded up). */
    static long toKiB(String value, String unit) throws BadValue {
        BigInteger bytes = parseNonNegative(value).multiply(scale(unit));
        if (bytes.compareTo(MAX_BYTES) > 0) {
            throw new BadValue("'" + value + "' " + (unit == null ? "KiB" : unit)
                    + " is too large (the limit is " + MAX_BYTES + " bytes)");
        }
        BigInteger[] qr = bytes.divideAndRemainder(BigInteger.valueOf(1024));
        return qr[0].longValueExact() + (qr[1].signum() == 0 ? 0 : 1);
    }

    /** The number of bytes one {@code unit} stands for; null or empty means KiB. */
    static BigInteger scale(String unit) throws BadValue {
        if (unit == null || unit.isEmpty()) {
            return BigInteger.valueOf(1024);
        }
        String u = unit.toLowerCase(Locale.ROOT);
        if (u.equals("b") || u.equals("byte") || u.equals("bytes")) {
            return BigInteger.ONE;
        }
        Integer power = POWERS.get(u.charAt(0));
        String rest = u.substring(1);
        int base;
        if (rest.isEmpty() || rest.equals("ib")) {
            base = 1024;
        } else if (rest.equals("b")) {
            base = 1000;
        } else {
            power = null;
            base = 0;
        }
        if (power == null) {
            throw new BadValue("unknown unit '" + unit + "' (use b, bytes, KB, k, KiB, MB, M, MiB, "
                    + "GB, G, GiB, TB, T, TiB, PB, P, PiB, EB, E or EiB)");
        }
        return BigInteger.valueOf(base).pow(power);
    }

    /** A non-negative decimal integer (surrounding whitespace allowed), of any size. */
    static BigInteger parseNonNegative(String value) throws BadValue {
        String s = value == null ? "" : value.strip();
        if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BadValue("'" + (value == null ? "" : value) + "' is not a non-negative integer");
        }
        return new BigInteger(s);
    }
}
