package org.corral.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.corral.core.CorralException;
import org.corral.network.model.NetworkDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NetworkXmlTest {

    static final String LIBVIRT_STYLE = """
            <network>
              <name>lab</name>
              <uuid>0BDD2D5A-5C53-4A5C-9B0F-5B4E77A0C1D2</uuid>
              <forward mode='nat'/>
              <bridge name='virbr7' stp='on' delay='0'/>
              <mac address='52:54:00:AB:cd:01'/>
              <ip address='10.77.0.1' netmask='255.255.255.0'>
                <dhcp>
                  <range start='10.77.0.100' end='10.77.0.199'/>
                </dhcp>
              </ip>
              <ip family='ipv6' address='fd00:77::1' prefix='64'/>
              <dns enable='no'/>
            </network>
            """;

    @Test
    void parsesAndFormatsLibvirtStyle() throws Exception {
        NetworkDefinition d = NetworkXml.parse(LIBVIRT_STYLE);
        assertEquals("lab", d.getName());
        assertEquals("0bdd2d5a-5c53-4a5c-9b0f-5b4e77a0c1d2", d.getUuid());
        assertEquals("virbr7", d.bridgeName());
        assertEquals("nat", d.forwardMode());
        String expected = """
                <network>
                  <name>lab</name>
                  <uuid>0bdd2d5a-5c53-4a5c-9b0f-5b4e77a0c1d2</uuid>
                  <forward mode='nat'/>
                  <bridge name='virbr7' stp='on' delay='0'/>
                  <mac address='52:54:00:ab:cd:01'/>
                  <ip address='10.77.0.1' netmask='255.255.255.0'>
                    <dhcp>
                      <range start='10.77.0.100' end='10.77.0.199'/>
                    </dhcp>
                  </ip>
                  <ip family='ipv6' address='fd00:77::1' prefix='64'/>
                  <dns enable='no'/>
                </network>
                """;
        assertEquals(expected, NetworkXml.format(d));
        assertEquals(expected, NetworkXml.format(NetworkXml.parse(expected)), "formatting is stable");
        NetworkXml.Ipv4Net v4 = NetworkXml.ipv4(d);
        assertEquals("10.77.0.1/24", v4.bridgeCidr());
        assertEquals("10.77.0.0/24", v4.subnet());
        assertEquals(100, v4.pool().size());
        assertEquals("fd00:77::1/64", NetworkXml.ipv6Cidr(d));
    }

    @Test
    void fillsDefaults() throws Exception {
        NetworkDefinition d = NetworkXml.parse("<network><name>n</name><forward/>"
                + "<ip address='198.18.5.1' prefix='24'/></network>");
        assertEquals("nat", d.forwardMode(), "<forward/> means nat, as in libvirt");
        assertNotNull(d.getUuid());
        assertTrue(d.isUuidGenerated());
        NetworkXml.Ipv4Net v4 = NetworkXml.ipv4(d);
        assertEquals(254, v4.pool().size(), "without <dhcp>, the whole subnet");
        assertEquals(v4.address(), v4.pool().excluded(), "minus the bridge address");
        NetworkDefinition isolated = NetworkXml.parse("<network><name>iso</name><ip address='198.18.6.1' prefix='24'/></network>");
        assertNull(isolated.forwardMode());
    }

    @Test
    void builtInDefaultIsLibvirtsDefaultOnCorral0() throws Exception {
        NetworkDefinition d = NetworkXml.builtInDefault();
        assertEquals(NetworkXml.builtInDefault().getUuid(), d.getUuid(), "stable UUID");
        assertEquals(java.util.UUID.nameUUIDFromBytes("corral:network:default".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString(), d.getUuid(), "the name-based UUID of corral:network:default");
        String xml = NetworkXml.format(d);
        assertEquals("""
                <network>
                  <name>default</name>
                  <uuid>%s</uuid>
                  <forward mode='nat'/>
                  <bridge name='corral0'/>
                  <ip address='192.168.122.1' netmask='255.255.255.0'>
                    <dhcp>
                      <range start='192.168.122.2' end='192.168.122.254'/>
                    </dhcp>
                  </ip>
                </network>
                """.formatted(d.getUuid()), xml);
        NetworkDefinition again = NetworkXml.parse(xml);
        assertEquals(xml, NetworkXml.format(again));
        assertEquals(253, NetworkXml.ipv4(again).pool().size());
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("<network><name>a/b</name></network>", "'/'"),
                Arguments.of("<network><name></name></network>", "empty"),
                Arguments.of("<network><name>.x</name></network>", "must start"),
                Arguments.of("<network><name>n</name><bridge name='abcdefghijklmnop'/></network>", "15 bytes"),
                Arguments.of("<network><name>n</name><bridge name='br 0'/></network>", "bridge name"),
                Arguments.of("<network><name>n</name><forward mode='route'/><ip address='10.0.0.1' prefix='8'/></network>",
                        "forward mode 'route' is not supported"),
                Arguments.of("<network><name>n</name><forward mode='nat'/></network>", "needs an IPv4"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.300' prefix='8'/></network>", "not an IPv4 address"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.1' prefix='31'/></network>", "1 to 30"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.1' prefix='0'/></network>", "1 to 30"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>",
                        "not contiguous"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.1'/></network>", "netmask='...' or prefix"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.0' prefix='24'/></network>", "network or broadcast"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>"
                        + "<range start='10.0.0.5' end='10.0.1.5'/></dhcp></ip></network>", "is not inside 10.0.0.0/24"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>"
                        + "<range start='10.0.0.9' end='10.0.0.5'/></dhcp></ip></network>", "after its end"),
                Arguments.of("<network><name>n</name><ip address='10.0.0.1' prefix='24'/>"
                        + "<ip address='10.0.1.1' prefix='24'/></network>", "at most one IPv4"),
                Arguments.of("<network><name>n</name><ip family='ipv6' address='10.0.0.1' prefix='64'/></network>",
                        "not an IPv6 address"),
                Arguments.of("<network><name>n</name><mac address='01:00:00:00:00:01'/></network>", "multicast"),
                Arguments.of("<network><name>n</name><uuid>nope</uuid></network>", "not a UUID"),
                Arguments.of("<network><name>n</name><name>m</name></network>", "appears twice"),
                Arguments.of("<domain type='lxc'><name>n</name></domain>", "root element must be <network>"),
                Arguments.of("<!DOCTYPE network [<!ENTITY x 'y'>]><network><name>&x;</name></network>",
                        "DTDs are not allowed in network XML"),
                Arguments.of("<network><name>n</name>", "malformed XML"),
                Arguments.of("", "empty"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void refusesWithAReason(String xml, String expected) {
        CorralException e = assertThrows(CorralException.class, () -> NetworkXml.parse(xml));
        assertEquals(CorralException.Kind.INVALID_CONFIG, e.kind());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void errorsSayWhere() {
        CorralException e = assertThrows(CorralException.class, () -> NetworkXml.parse(
                "<network>\n  <name>n</name>\n  <ip address='10.0.0.1' prefix='40'/>\n</network>"));
        assertTrue(e.getMessage().startsWith("line 3, column "), e.getMessage());
        assertTrue(e.getMessage().contains("/network/ip[1]"), e.getMessage());
    }

    @Test
    void refusesHugeDocuments() {
        String xml = "<network><name>n</name><!--" + "x".repeat(NetworkXml.MAX_DOCUMENT_BYTES) + "--></network>";
        CorralException e = assertThrows(CorralException.class, () -> NetworkXml.parse(xml));
        assertTrue(e.getMessage().contains("more than the limit"), e.getMessage());
    }
}
