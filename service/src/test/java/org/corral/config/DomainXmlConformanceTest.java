package org.corral.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libvirt's own LXC round-trip data (tests/lxcxml2xmldata): every input must parse and format
 * back byte-identical to libvirt's expected output.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DomainXmlConformanceTest {

    static Path conformanceDir() {
        String dir = System.getProperty("corral.conformance.dir");
        if (dir == null) {
            throw new IllegalStateException("system property corral.conformance.dir is not set "
                    + "(run through Maven, or pass -Dcorral.conformance.dir=...)");
        }
        Path p = Path.of(dir);
        if (!Files.isDirectory(p.resolve("lxcxml2xmldata"))) {
            throw new IllegalStateException("conformance data missing: " + p.toAbsolutePath() + "/lxcxml2xmldata");
        }
        return p;
    }

    static List<Path> cases() throws IOException {
        try (Stream<Path> files = Files.list(conformanceDir().resolve("lxcxml2xmldata"))) {
            return files.filter(f -> f.toString().endsWith(".xml")).sorted().collect(Collectors.toList());
        }
    }

    /** libvirt's rule: expected output is the input, unless lxcxml2xmloutdata has its own file. */
    static String expected(Path input) throws IOException {
        Path out = input.getParent().getParent().resolve("lxcxml2xmloutdata").resolve(input.getFileName());
        return Files.readString(Files.exists(out) ? out : input, StandardCharsets.UTF_8);
    }

    @Test
    void allThirteenCasesArePresent() throws IOException {
        assertEquals(13, cases().size(), "libvirt's lxcxml2xmltest has 13 cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void formatsExactlyAsLibvirt(Path input) throws Exception {
        String expected = expected(input);
        String actual = DomainXml.format(DomainXml.parse(Files.readString(input, StandardCharsets.UTF_8)));
        assertEquals(XmlCanon.canonical(expected), XmlCanon.canonical(actual), "canonical form");
        assertEquals(expected, actual, "bytes");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void roundTripIsIdempotent(Path input) throws Exception {
        String once = DomainXml.format(DomainXml.parse(Files.readString(input, StandardCharsets.UTF_8)));
        String twice = DomainXml.format(DomainXml.parse(once));
        assertEquals(once, twice);
        assertTrue(once.endsWith("</domain>\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void copyFormatsIdentically(Path input) throws Exception {
        var domain = DomainXml.parse(Files.readString(input, StandardCharsets.UTF_8));
        var copy = domain.copy();
        assertEquals(DomainXml.format(domain), DomainXml.format(copy));
        copy.setName("other");
        assertEquals(DomainXml.parse(Files.readString(input, StandardCharsets.UTF_8)).getName(), domain.getName(),
                "the copy is independent");
        assertNothingMutableShared(DomainXml.parse(Files.readString(input, StandardCharsets.UTF_8)), "domain");
    }

    @Test
    void copyKeepsUnknownElementsAndAttributesApartAndTheGeneratedUuidMark() throws Exception {
        var domain = DomainXml.parse("<domain type='lxc' x='1'><name>c</name><memory>65536</memory>"
                + "<os><type>exe</type><init>/bin/sh</init></os><devices><graphics type='vnc'/></devices>"
                + "<unknown a='b'><child/></unknown></domain>");
        var copy = domain.copy();
        assertEquals(DomainXml.format(domain), DomainXml.format(copy));
        assertEquals(domain.isUuidGenerated(), copy.isUuidGenerated());
        assertTrue(copy.isUuidGenerated());
        assertNothingMutableShared(domain, "domain");
    }

    /** The copy's object graph shares nothing with the original's but immutable values. */
    private static void assertNothingMutableShared(Object original, String where) throws Exception {
        Object copy = DomainXml.copy((org.corral.config.model.Domain) original);
        walk(original, copy, where, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    }

    private static void walk(Object a, Object b, String where, java.util.Set<Object> seen) throws Exception {
        if (a == null || a instanceof String || a instanceof Boolean || a instanceof Number || a instanceof Enum<?>
                || a instanceof javax.xml.namespace.QName || a instanceof org.xml.sax.Locator || !seen.add(a)) {
            return;
        }
        assertTrue(a != b, where + " (" + a.getClass().getSimpleName() + ") is shared with the copy");
        if (a instanceof List<?> la) {
            for (int i = 0; i < la.size(); i++) {
                walk(la.get(i), ((List<?>) b).get(i), where + "[" + i + "]", seen);
            }
            return;
        }
        if (a instanceof java.util.Map<?, ?> || a instanceof org.w3c.dom.Node) {
            return; // values are strings; DOM nodes are clones
        }
        for (Class<?> t = a.getClass(); t != Object.class; t = t.getSuperclass()) {
            for (java.lang.reflect.Field f : t.getDeclaredFields()) {
                if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                    f.setAccessible(true);
                    walk(f.get(a), f.get(b), where + "." + f.getName(), seen);
                }
            }
        }
    }
}
