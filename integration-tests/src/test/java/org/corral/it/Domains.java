package org.corral.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;

/** Domain XML for the tests, and the object paths corral gives containers. */
public final class Domains {
    /** The seed's first example, used when examples/vm1.xml is not there (yet). */
    public static final String VM1_INLINE = "<domain type='lxc'><name>vm1</name><memory>500000</memory>"
            + "<os><type>exe</type><init>/bin/sh</init></os><vcpu>1</vcpu><clock offset='utc'/>"
            + "<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>"
            + "<devices><emulator>/usr/libexec/libvirt_lxc</emulator>"
            + "<interface type='network'><source network='default'/></interface><console type='pty' /></devices>"
            + "</domain>";

    public static final String CONTAINER_PREFIX = "/org/corral1/container/";

    private Domains() {
    }

    /** examples/vm1.xml of the source tree, or {@link #VM1_INLINE}. */
    public static String vm1() {
        Path file = Path.of(System.getProperty("corral.examples.dir", "../examples"), "vm1.xml");
        if (Files.isRegularFile(file)) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return VM1_INLINE;
    }

    /** vm1 renamed to {@code name}, without a uuid (so every definition gets its own). */
    public static String named(String name) {
        String xml = vm1().replaceAll("(?s)\\s*<uuid>.*?</uuid>", "");
        return xml.replaceFirst("<name>[^<]*</name>", Matcher.quoteReplacement("<name>" + escape(name) + "</name>"));
    }

    /** {@code xml} with its memory element replaced by {@code kib} KiB. */
    public static String withMemory(String xml, long kib) {
        return xml.replaceFirst("<memory[^>]*>[^<]*</memory>", "<memory unit='KiB'>" + kib + "</memory>");
    }

    /** {@code xml} with {@code <uuid>} set right after the name. */
    public static String withUuid(String xml, String uuid) {
        String without = xml.replaceAll("(?s)\\s*<uuid>.*?</uuid>", "");
        return without.replaceFirst("</name>", Matcher.quoteReplacement("</name><uuid>" + uuid + "</uuid>"));
    }

    /** The object path of container {@code name}: sd_bus_path_encode under /org/corral1/container. */
    public static String path(String name) {
        StringBuilder b = new StringBuilder(CONTAINER_PREFIX);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            boolean leadingDigit = i == 0 && c >= '0' && c <= '9';
            if (alnum && !leadingDigit) {
                b.append((char) c);
            } else {
                b.append('_').append(String.format("%02x", c));
            }
        }
        return b.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
