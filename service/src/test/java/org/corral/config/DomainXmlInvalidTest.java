package org.corral.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.corral.core.CorralException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every refusal is INVALID_CONFIG with a message that says what and where. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DomainXmlInvalidTest {

    /** A valid domain with {@code body} spliced in after {@code <name>}. */
    static String domain(String body) {
        return "<domain type='lxc'>\n  <name>bad</name>\n" + body + "\n</domain>\n";
    }

    static String withOs(String body) {
        return domain("  <memory>1024</memory>\n  <os><type>exe</type></os>\n" + body);
    }

    static String withDevices(String devices) {
        return withOs("  <devices>\n" + devices + "\n  </devices>");
    }

    static CorralException refused(String xml) {
        CorralException e = assertThrows(CorralException.class, () -> DomainXml.parse(xml));
        assertEquals(CorralException.Kind.INVALID_CONFIG, e.kind(), e.getMessage());
        return e;
    }

    static void assertRefused(String xml, String... fragments) {
        String message = refused(xml).getMessage();
        for (String f : fragments) {
            assertTrue(message.contains(f), "message should contain \"" + f + "\" but was: " + message);
        }
    }

    static Stream<Arguments> badDocuments() {
        return Stream.of(
                Arguments.of("malformed", "<domain type='lxc'><name>a</name></domin>", new String[] {"line 1, column ", "malformed XML"}),
                Arguments.of("not XML", "hello", new String[] {"line 1, column 1", "malformed XML"}),
                Arguments.of("empty", "", new String[] {"empty"}),
                Arguments.of("blank", "  \n ", new String[] {"empty"}),
                Arguments.of("wrong root", "<network><name>a</name></network>", new String[] {"root element must be <domain>", "<network>"}),
                Arguments.of("namespaced root", "<domain xmlns='urn:x' type='lxc'/>", new String[] {"must not be in an XML namespace", "urn:x"}),
                Arguments.of("no type", "<domain><name>a</name></domain>", new String[] {"no type attribute", "type='lxc'"}),
                Arguments.of("wrong type", "<domain type='kvm'><name>a</name></domain>",
                        new String[] {"line 1, column 20", "domain type 'kvm' is not supported: corral runs only type='lxc'"}),
                Arguments.of("missing name", "<domain type='lxc'><memory>1</memory></domain>", new String[] {"<name> is missing"}),
                Arguments.of("empty name", domain("").replace("<name>bad</name>", "<name></name>"), new String[] {"<name> is empty"}),
                Arguments.of("name with slash", domain("").replace("bad", "a/b"),
                        new String[] {"line 2, column 9", "<name> 'a/b' is invalid", "'/'"}),
                Arguments.of("name with newline", domain("").replace("bad", "a\nb"), new String[] {"newline", "'a\\nb'"}),
                Arguments.of("name too long", domain("").replace("bad", "x".repeat(65)), new String[] {"65 bytes", "limit is 64"}),
                Arguments.of("name with dots", domain("").replace("bad", ".."), new String[] {"must start with"}),
                Arguments.of("name with space", domain("").replace("bad", "a b"), new String[] {"contains ' '"}),
                Arguments.of("two names", domain("  <name>again</name>"), new String[] {"line 3", "<name> appears twice", "first on line 2"}),
                Arguments.of("title with newline", domain("  <title>a\nb</title>"), new String[] {"/domain/title", "single line"}),
                Arguments.of("invalid uuid", domain("  <uuid>e21987a5-e98e-9c99-0e35-803e4d9ad1fX</uuid>"),
                        new String[] {"line 3, column 9", "/domain/uuid", "not a valid UUID"}),
                Arguments.of("short uuid", domain("  <uuid>1234</uuid>"), new String[] {"'1234' is not a valid UUID"}),
                Arguments.of("no memory", domain("  <os><type>exe</type></os>"), new String[] {"memory size must be specified"}),
                Arguments.of("memory not a number", domain("  <memory>lots</memory>"), new String[] {"/domain/memory", "'lots' is not a non-negative integer"}),
                Arguments.of("negative memory", domain("  <memory>-5</memory>"), new String[] {"not a non-negative integer"}),
                Arguments.of("unknown unit", domain("  <memory unit='furlongs'>5</memory>"), new String[] {"unknown unit 'furlongs'"}),
                Arguments.of("memory overflow", domain("  <memory unit='EiB'>9</memory>"), new String[] {"too large"}),
                Arguments.of("memtune garbage", withOs("  <memtune><soft_limit>x</soft_limit></memtune>"), new String[] {"/domain/memtune/soft_limit"}),
                Arguments.of("child in value element", domain("  <memory>1<b/></memory>"), new String[] {"line 3, column", "unsupported content"}),
                Arguments.of("no os", domain("  <memory>1024</memory>"), new String[] {"<os><type>exe</type></os> is required"}),
                Arguments.of("os type hvm", domain("  <memory>1024</memory><os><type>hvm</type></os>"), new String[] {"OS type 'hvm' is not supported"}),
                Arguments.of("relative init", domain("  <memory>1024</memory><os><type>exe</type><init>sbin/init</init></os>"),
                        new String[] {"/domain/os/init", "'sbin/init' must be an absolute path"}),
                Arguments.of("relative initdir", domain("  <memory>1024</memory><os><type>exe</type><initdir>tmp</initdir></os>"), new String[] {"initdir"}),
                Arguments.of("bad initenv", domain("  <memory>1024</memory><os><type>exe</type><initenv name='1X'>v</initenv></os>"),
                        new String[] {"/domain/os/initenv[1]", "'1X' is invalid"}),
                Arguments.of("inituser alone", domain("  <memory>1024</memory><os><type>exe</type><inituser>u</inituser></os>"), new String[] {"together"}),
                Arguments.of("vcpu zero", withOs("  <vcpu>0</vcpu>"), new String[] {"/domain/vcpu", "out of range 1..16384"}),
                Arguments.of("vcpu text", withOs("  <vcpu>two</vcpu>"), new String[] {"'two' is not an integer"}),
                Arguments.of("cputune period", withOs("  <cputune><period>999</period></cputune>"), new String[] {"/domain/cputune/period", "1000..1000000"}),
                Arguments.of("cputune quota", withOs("  <cputune><quota>-2</quota></cputune>"), new String[] {"-1..17592186044415"}),
                Arguments.of("blkio weight", withOs("  <blkiotune><weight>99</weight></blkiotune>"), new String[] {"100..1000"}),
                Arguments.of("idmap zero count", withOs("  <idmap><uid start='0' target='1000' count='0'/></idmap>"),
                        new String[] {"/domain/idmap/uid[1]", "count must be greater than 0"}),
                Arguments.of("idmap negative", withOs("  <idmap><gid start='-1' target='1000' count='10'/></idmap>"), new String[] {"/domain/idmap/gid[1]", "start"}),
                Arguments.of("idmap missing", withOs("  <idmap><uid start='0' count='10'/></idmap>"), new String[] {"target is missing"}),
                Arguments.of("capability policy", withOs("  <features><capabilities policy='maybe'/></features>"), new String[] {"policy 'maybe' is invalid"}),
                Arguments.of("unknown capability", withOs("  <features><capabilities policy='deny'><fly state='on'/></capabilities></features>"),
                        new String[] {"unknown capability <fly>"}),
                Arguments.of("capability state", withOs("  <features><capabilities policy='deny'><chown state='yes'/></capabilities></features>"),
                        new String[] {"capabilities/chown", "state 'yes' is invalid"}),
                Arguments.of("fs template", withDevices("<filesystem type='template'><source name='t'/><target dir='/'/></filesystem>"),
                        new String[] {"filesystem type 'template' is not supported by LXC containers"}),
                Arguments.of("fs volume", withDevices("<filesystem type='volume'><target dir='/'/></filesystem>"), new String[] {"'volume' is not supported"}),
                Arguments.of("fs relative target", withDevices("<filesystem type='mount'><source dir='/a'/><target dir='mnt'/></filesystem>"),
                        new String[] {"/domain/devices/filesystem[1]/target", "'mnt' must be an absolute path"}),
                Arguments.of("fs relative source", withDevices("<filesystem type='mount'><source dir='a'/><target dir='/mnt'/></filesystem>"),
                        new String[] {"source dir 'a' must be an absolute path"}),
                Arguments.of("fs no target", withDevices("<filesystem type='mount'><source dir='/a'/></filesystem>"), new String[] {"missing <target"}),
                Arguments.of("fs duplicate target", withDevices("<filesystem><source dir='/a'/><target dir='/mnt'/></filesystem>\n"
                        + "<filesystem><source dir='/b'/><target dir='/mnt/'/></filesystem>"),
                        new String[] {"/domain/devices/filesystem[2]/target", "already used by filesystem[1]"}),
                Arguments.of("fs ram unit", withDevices("<filesystem type='ram'><source usage='1' units='lots'/><target dir='/t'/></filesystem>"),
                        new String[] {"unknown unit 'lots'"}),
                Arguments.of("nic type", withDevices("<interface type='user'/>"), new String[] {"interface type 'user' is not supported"}),
                Arguments.of("nic mac", withDevices("<interface type='ethernet'><mac address='00:16:3e:zz:00:01'/></interface>"),
                        new String[] {"/domain/devices/interface[1]/mac", "malformed"}),
                Arguments.of("nic multicast mac", withDevices("<interface type='ethernet'><mac address='01:00:5e:00:00:01'/></interface>"),
                        new String[] {"multicast"}),
                Arguments.of("network without source", withDevices("<interface type='network'/>"), new String[] {"<source network="}),
                Arguments.of("bridge without source", withDevices("<interface type='bridge'><source network='x'/></interface>"),
                        new String[] {"<source bridge="}),
                Arguments.of("ns bad type", domain("  <memory>1024</memory><os><type>exe</type></os>"
                        + "<lxc:namespace xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'><shareipc type='netns' value='x'/></lxc:namespace>"),
                        new String[] {"lxc:shareipc", "type 'netns' is invalid"}),
                Arguments.of("ns no value", domain("  <memory>1024</memory><os><type>exe</type></os>"
                        + "<lxc:namespace xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'><lxc:sharenet type='pid'/></lxc:namespace>"),
                        new String[] {"value is required"}),
                Arguments.of("too deep", domain("  <memory>1024</memory><os><type>exe</type></os><metadata>"
                        + "<a>".repeat(100) + "</a>".repeat(100) + "</metadata>"), new String[] {"nested more than 64"})
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDocuments")
    void isRefusedWithAHelpfulMessage(String what, String xml, String[] fragments) {
        assertRefused(xml, fragments);
    }

    @Test
    void theParserReadsTheNextDocumentAfterEveryKindOfRefusal() throws Exception {
        // The parser of a thread is reused (DomainReader): a refusal must leave nothing behind.
        String good = "<domain type='lxc'><name>after</name><memory>2048</memory>"
                + "<os><type>exe</type><init>/bin/sh</init></os></domain>";
        for (String bad : List.of("<domain type='lxc'><name>cut", "<!DOCTYPE domain [ <!ENTITY a 'b'> ]><domain/>",
                domain("<name>twice</name>"), withOs("<memory>1<child/></memory>"), "<network/>")) {
            refused(bad);
            var d = DomainXml.parse(good);
            assertEquals("after", d.getName(), "after " + bad);
            assertEquals(2048, d.getMemoryKiB(), "after " + bad);
        }
    }

    @Test
    void externalEntityIsRefusedAndNeverRead() {
        String xml = "<?xml version='1.0'?>\n"
                + "<!DOCTYPE domain [ <!ENTITY xxe SYSTEM 'file:///etc/passwd'> ]>\n"
                + "<domain type='lxc'><name>&xxe;</name><memory>1</memory><os><type>exe</type></os></domain>";
        String message = refused(xml).getMessage();
        assertTrue(message.contains("DTDs are not allowed"), message);
        assertTrue(message.contains("line 2"), message);
        assertFalse(message.contains("root:"), "passwd content must not leak: " + message);
    }

    @Test
    void billionLaughsFailsFast() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE domain [\n <!ENTITY lol0 'lol'>\n");
        for (int i = 1; i <= 9; i++) {
            dtd.append(" <!ENTITY lol").append(i).append(" '").append(("&lol" + (i - 1) + ";").repeat(10)).append("'>\n");
        }
        String xml = dtd + "]>\n<domain type='lxc'><name>&lol9;</name></domain>";
        String message = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> refused(xml).getMessage());
        assertTrue(message.contains("DTDs are not allowed"), message);
    }

    @Test
    void tenMegabyteDocumentIsRefusedBySize() {
        String xml = domain("  <description>" + "x".repeat(10 * 1024 * 1024) + "</description>");
        String message = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> refused(xml).getMessage());
        assertTrue(message.contains(xml.length() + " bytes"), message);
        assertTrue(message.contains("limit of 1048576 bytes"), message);
    }

    @Test
    void sizeIsCountedInUtf8Bytes() {
        // 400k three-byte characters: under the limit in chars, over it in bytes.
        String xml = domain("  <description>" + "\u20ac".repeat(400_000) + "</description>");
        assertTrue(xml.length() < DomainXml.MAX_DOCUMENT_BYTES);
        assertRefused(xml, "limit of 1048576 bytes");
    }

    @Test
    void documentJustUnderTheLimitIsAccepted() throws Exception {
        String head = "<domain type='lxc'><name>big</name><memory>1024</memory><os><type>exe</type></os><description>";
        String tail = "</description></domain>";
        String xml = head + "d".repeat(DomainXml.MAX_DOCUMENT_BYTES - head.length() - tail.length()) + tail;
        assertEquals(DomainXml.MAX_DOCUMENT_BYTES, xml.length());
        assertEquals("big", DomainXml.parse(xml).getName());
    }

    @Test
    void badInputFilesAreRefused() throws Exception {
        Path dir = Path.of(getClass().getResource("/config/bad").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.toString().endsWith(".xml")).forEach(f -> {
                String xml;
                try {
                    xml = Files.readString(f);
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
                String expected = xml.lines().filter(l -> l.startsWith("<!-- expect: "))
                        .map(l -> l.substring("<!-- expect: ".length(), l.lastIndexOf(" -->"))).findFirst()
                        .orElseThrow(() -> new AssertionError(f + " lacks an '<!-- expect: ... -->' line"));
                CorralException e = assertThrows(CorralException.class, () -> DomainXml.parse(xml), f.toString());
                assertTrue(e.getMessage().contains(expected), f + ": " + e.getMessage());
            });
        }
    }

    @Test
    void checkNameExplainsEachRule() {
        assertEquals(CorralException.Kind.INVALID_CONFIG,
                assertThrows(CorralException.class, () -> DomainXml.checkName("a/b")).kind());
        assertThrows(CorralException.class, () -> DomainXml.checkName(null));
        assertThrows(CorralException.class, () -> DomainXml.checkName("."));
        assertThrows(CorralException.class, () -> DomainXml.checkName("a..b"));
        assertThrows(CorralException.class, () -> DomainXml.checkName("-a"));
        assertThrows(CorralException.class, () -> DomainXml.checkName("caf\u00e9"));
        assertTrue(assertThrows(CorralException.class, () -> DomainXml.checkName("a\tb")).getMessage().contains("U+0009"));
    }
}
