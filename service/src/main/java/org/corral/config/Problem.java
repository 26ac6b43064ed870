package org.corral.config;

import org.corral.config.model.Located;
import org.corral.core.CorralException;

/** Builds INVALID_CONFIG errors that say where: "line L, column C: /domain/path: what". */
final class Problem {

    private Problem() {
    }

    static CorralException at(Located element, String path, String message) {
        return CorralException.invalidConfig(
                (element == null ? "" : DomainReader.at(element.locator())) + path + ": " + message);
    }

    /** Quotes a user-given value for a message, making control characters visible. */
    static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder("'");
        int shown = 0;
        for (int i = 0; i < s.length() && shown < 80; i++, shown++) {
            char c = s.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > 80) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }
}
