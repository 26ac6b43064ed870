package org.corral.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The container name in an object path /org/corral1/container/NAME-escaped (sd_bus_path_encode's escaping). */
final class ObjectPaths {
    private ObjectPaths() {
    }

    static String containerName(String path) {
        String label = path.substring(path.lastIndexOf('/') + 1);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c == '_' && i + 2 < label.length() && isHex(label.charAt(i + 1)) && isHex(label.charAt(i + 2))) {
                b.write(Integer.parseInt(label.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
