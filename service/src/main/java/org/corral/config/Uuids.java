package org.corral.config;

import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/** UUID text handling: libvirt accepts UUIDs with or without dashes, in any case. */
public final class Uuids {

    private static final Pattern DASHED =
            Pattern.compile("\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");
    private static final Pattern PLAIN = Pattern.compile("\\p{XDigit}{32}");

    private Uuids() {
    }

    /**
     * Returns the UUID lower-case and dashed 8-4-4-4-12, or null if {@code text} (surrounding
     * whitespace ignored) is neither 32 hex digits nor the dashed form.
     */
    public static String normalise(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (DASHED.matcher(s).matches()) {
            return s.toLowerCase(Locale.ROOT);
        }
        if (PLAIN.matcher(s).matches()) {
            String h = s.toLowerCase(Locale.ROOT);
            return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-"
                    + h.substring(16, 20) + "-" + h.substring(20);
        }
        return null;
    }

    /** A new random (version 4) UUID, as libvirt generates for definitions without one. */
    public static String random() {
        return UUID.randomUUID().toString();
    }
}
