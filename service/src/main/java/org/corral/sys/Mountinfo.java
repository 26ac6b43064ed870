package org.corral.sys;

/** Helpers for reading /proc/self/mountinfo. */
public final class Mountinfo {

    private Mountinfo() {
    }

    /** Decodes a mountinfo field: space, tab, newline and backslash are escaped as octal ({@code \040}). */
    public static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
