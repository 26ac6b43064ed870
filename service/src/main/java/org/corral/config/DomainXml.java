package org.corral.config;

import jakarta.xml.bind.JAXBException;
import java.nio.charset.StandardCharsets;
import org.corral.config.model.Domain;
import org.corral.core.CorralException;

/**
 * libvirt domain XML for {@code <domain type='lxc'>}: parse (with validation and libvirt's
 * defaults) and format (byte-identical to libvirt's dumpxml).
 *
 * <p>Thread-safe: all methods are static and share only the immutable JAXB context.
 */
public final class DomainXml {

    /**
     * Largest document accepted, in bytes (UTF-8): 1 MiB.
     *
     * <p>Definitions arrive from unprivileged D-Bus callers, so the size bounds the memory and
     * CPU one request can cost before any rule is checked. Container definitions are a few KiB
     * (every file of libvirt's LXC round-trip test data is under 2 KiB), so 1 MiB leaves room for
     * hundreds of devices and generous {@code <metadata>}, while staying far below the D-Bus
     * message limit (128 MiB by default) that would otherwise be the only bound.
     */
    public static final int MAX_DOCUMENT_BYTES = 1024 * 1024;

    /** Longest container name, in bytes (as systemd-machined allows). */
    public static final int MAX_NAME_BYTES = 64;

    private DomainXml() {
    }

    /**
     * Parses, validates and fills libvirt's defaults; never returns null.
     *
     * @throws CorralException {@link CorralException.Kind#INVALID_CONFIG} with a message that
     *     says what is wrong and where (line, column, element path)
     */
    public static Domain parse(String xml) throws CorralException {
        if (xml == null || xml.isBlank()) {
            throw CorralException.invalidConfig("the domain XML is empty");
        }
        long size = utf8Length(xml);
        if (size > MAX_DOCUMENT_BYTES) {
            throw CorralException.invalidConfig("the domain XML is " + size + " bytes, more than the limit of "
                    + MAX_DOCUMENT_BYTES + " bytes (1 MiB)");
        }
        Domain domain = DomainReader.read(xml);
        DomainValidator.validate(domain);
        DomainDefaults.apply(domain);
        return domain;
    }

    /** Formats as libvirt does (dumpxml): single quotes, 2-space indent, trailing newline. */
    public static String format(Domain domain) {
        LibvirtXmlWriter writer = new LibvirtXmlWriter();
        try {
            Jaxb.context().createMarshaller().marshal(domain, writer);
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot format the domain model", e);
        }
        return writer.result();
    }

    /**
     * A deep copy, unknown elements included: exactly what the model holds, without validation
     * ({@link ModelCopy}).
     */
    public static Domain copy(Domain domain) {
        return ModelCopy.copy(domain);
    }

    /**
     * Checks a container name against corral's rule; throws INVALID_CONFIG with the reason.
     *
     * <p>The rule: 1 to 64 bytes of ASCII letters, digits, {@code _}, {@code -} and {@code .};
     * the first character is a letter, a digit or {@code _}; {@code ..} does not occur (so
     * neither "." nor ".." are names). This is the alphabet systemd-machined accepts for
     * machine names, so every container can be registered with machined under its own name,
     * and it is safe as a single file name in state and log directories (no {@code /}, no
     * newline, no leading dot). libvirt itself only refuses newlines, so some libvirt names are
     * refused here; the message says which character is the problem.
     */
    public static void checkName(String name) throws CorralException {
        if (name == null || name.isEmpty()) {
            throw CorralException.invalidConfig("<name> is empty: a container needs a name");
        }
        String shown = "<name> " + Problem.quote(name) + " is invalid: ";
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw CorralException.invalidConfig(shown + "it is " + bytes + " bytes long, the limit is "
                    + MAX_NAME_BYTES);
        }
        if (name.indexOf('/') >= 0) {
            throw CorralException.invalidConfig(shown + "it contains '/', which cannot appear in a file name");
        }
        if (name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
            throw CorralException.invalidConfig(shown + "it contains a newline");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.';
            if (!ok) {
                String what = c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
                throw CorralException.invalidConfig(shown + "it contains " + what
                        + "; use only ASCII letters, digits, '_', '-' and '.'");
            }
        }
        char first = name.charAt(0);
        if (first == '.' || first == '-') {
            throw CorralException.invalidConfig(shown + "it must start with a letter, a digit or '_'");
        }
        if (name.contains("..")) {
            throw CorralException.invalidConfig(shown + "it must not contain '..'");
        }
    }

    /** UTF-8 length without encoding a possibly huge string. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
