package org.corral.bus;

import java.nio.charset.StandardCharsets;

/**
 * Object-path labels, escaped as systemd's {@code sd_bus_path_encode} does: every byte outside
 * [A-Za-z0-9], and a digit in first position, becomes '_' plus two lower-case hex digits; the
 * empty string becomes "_". Raw names never go into object paths.
 */
public final class BusLabel {

    private BusLabel() {
    }

    public static String escape(String label) {
        if (label.isEmpty()) {
            return "_";
        }
        byte[] bytes = label.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length * 3);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean letter = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
            boolean digit = b >= '0' && b <= '9';
            if (letter || (digit && i > 0)) {
                out.append((char) b);
            } else {
                out.append('_').append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            }
        }
        return out.toString();
    }

    /** The inverse of {@link #escape}; returns null for a label escape() can't have produced. */
    public static String unescape(String label) {
        if ("_".equals(label)) {
            return "";
        }
        byte[] out = new byte[label.length()];
        int n = 0;
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c == '_') {
                if (i + 2 >= label.length()) {
                    return null;
                }
                int hi = Character.digit(label.charAt(i + 1), 16);
                int lo = Character.digit(label.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                out[n++] = (byte) c;
            } else {
                return null;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
