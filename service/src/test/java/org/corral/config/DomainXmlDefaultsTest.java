package org.corral.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.corral.config.model.Domain;
import org.corral.config.model.Filesystem;
import org.corral.config.model.Interface;
import org.corral.config.model.LxcNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Defaults libvirt fills at parse time, and preservation of what corral does not interpret. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DomainXmlDefaultsTest {

    static String resource(String name) throws IOException {
        try (InputStream in = DomainXmlDefaultsTest.class.getResourceAsStream("/config/" + name)) {
            assertNotNull(in, "test resource /config/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The seed document's first example, as libvirt's dumpxml would show it (modulo uuid, mac). */
    @Test
    void seedExampleOneGetsLibvirtDefaults() throws Exception {
        Domain d = DomainXml.parse(resource("seed-example-1.xml"));
        assertEquals("vm1", d.getName());
        assertTrue(d.isUuidGenerated());
        assertEquals(d.getUuid(), Uuids.normalise(d.getUuid()), "normalised");
        assertEquals('4', d.getUuid().charAt(14), "random uuid is version 4");
        assertEquals(500000, d.getMemoryKiB(), "no unit = KiB");
        assertEquals(500000, d.getCurrentMemoryKiB());
        assertEquals(1, d.getVcpu().getCount());
        assertEquals(DomainDefaults.hostArch(), d.getOs().getType().getArch());
        String mac = d.getDevices().getInterfaces().get(0).getMacAddress();
        assertTrue(mac.matches("00:16:3e(:[0-9a-f]{2}){3}"), mac);

        String expected = "<domain type='lxc'>\n"
                + "  <name>vm1</name>\n"
                + "  <uuid>" + d.getUuid() + "</uuid>\n"
                + "  <memory unit='KiB'>500000</memory>\n"
                + "  <currentMemory unit='KiB'>500000</currentMemory>\n"
                + "  <vcpu placement='static'>1</vcpu>\n"
                + "  <os>\n"
                + "    <type arch='" + DomainDefaults.hostArch() + "'>exe</type>\n"
                + "    <init>/bin/sh</init>\n"
                + "  </os>\n"
                + "  <clock offset='utc'/>\n"
                + "  <on_poweroff>destroy</on_poweroff>\n"
                + "  <on_reboot>restart</on_reboot>\n"
                + "  <on_crash>destroy</on_crash>\n"
                + "  <devices>\n"
                + "    <emulator>/usr/libexec/libvirt_lxc</emulator>\n"
                + "    <interface type='network'>\n"
                + "      <mac address='" + mac + "'/>\n"
                + "      <source network='default'/>\n"
                + "    </interface>\n"
                + "    <console type='pty'>\n"
                + "      <target type='lxc' port='0'/>\n"
                + "    </console>\n"
                + "  </devices>\n"
                + "</domain>\n";
        String formatted = DomainXml.format(d);
        assertEquals(XmlCanon.canonical(expected), XmlCanon.canonical(formatted));
        assertEquals(expected, formatted);
        assertEquals(formatted, DomainXml.format(DomainXml.parse(formatted)), "idempotent");
    }

    @Test
    void seedExampleTwoKeepsItsRootFilesystem() throws Exception {
        Domain d = DomainXml.parse(resource("seed-example-2.xml"));
        assertEquals(32768, d.getMemoryKiB());
        Filesystem root = d.getDevices().getFilesystems().get(0);
        assertEquals("mount", root.getType());
        assertEquals("passthrough", root.getAccessmode());
        assertEquals("/opt/vm-1-root", root.getSource().getDir());
        assertEquals("/", root.getTargetDir());
        String out = DomainXml.format(d);
        assertTrue(out.contains("  <uuid>" + d.getUuid() + "</uuid>\n"));
        assertTrue(out.contains("  <currentMemory unit='KiB'>32768</currentMemory>\n"));
        assertTrue(out.contains("  <vcpu placement='static'>1</vcpu>\n"));
        assertTrue(out.contains("    <filesystem type='mount' accessmode='passthrough'>\n"
                + "      <source dir='/opt/vm-1-root'/>\n"
                + "      <target dir='/'/>\n"
                + "    </filesystem>\n"));
        assertTrue(out.contains("      <target type='lxc' port='0'/>\n"));
        assertEquals(out, DomainXml.format(DomainXml.parse(out)));
    }

    /** Everything optional missing: each default libvirt fills, and nothing it fills only at start. */
    @Test
    void minimalDefinitionGetsEveryDefault() throws Exception {
        Domain d = DomainXml.parse("<domain type='lxc'><name>m</name><memory unit='MiB'>1</memory>"
                + "<os><type>exe</type></os><devices><console type='pty'/><console type='pty'/></devices></domain>");
        assertEquals(1024, d.getMemoryKiB());
        assertEquals("KiB", d.getMemory().getUnit());
        assertEquals("static", d.getVcpu().getPlacement());
        assertEquals("/sbin/init", d.getOs().getInit());
        assertEquals(DomainDefaults.DEFAULT_EMULATOR, d.getDevices().getEmulator());
        assertEquals("utc", d.getClock().getOffset());
        assertEquals(List.of("destroy", "restart", "destroy"), List.of(d.getOnPoweroff(), d.getOnReboot(), d.getOnCrash()));
        assertEquals(1, d.getDevices().getConsoles().get(1).getTarget().getPort());
        assertEquals("lxc", d.getDevices().getConsoles().get(1).getTarget().getType());
        assertTrue(d.getSeclabels().isEmpty(), "seclabel is added at start, not at parse");
        assertNull(d.getResource(), "partition is added at start, not at parse");
        assertTrue(d.getDevices().getFilesystems().isEmpty(), "the implicit root is added at start");
        assertFalse(DomainXml.format(d).contains("xmlns:lxc"), "no lxc namespace without lxc elements");
    }

    @Test
    void memoryUnitsAreNormalisedToKibAndCurrentMemoryIsClamped() throws Exception {
        Domain d = DomainXml.parse("<domain type='lxc'><name>m</name><memory unit='GB'>1</memory>"
                + "<currentMemory unit='TiB'>1</currentMemory><maxMemory slots='4' unit='b'>1025</maxMemory>"
                + "<memtune><hard_limit unit='M'>2</hard_limit><soft_limit>7</soft_limit>"
                + "<swap_hard_limit unit='kb'>1</swap_hard_limit></memtune>"
                + "<os><type>exe</type></os></domain>");
        assertEquals(976563, d.getMemoryKiB(), "10^9 bytes rounded up to whole KiB");
        assertEquals(976563, d.getCurrentMemoryKiB(), "clamped to memory");
        assertEquals(2, d.getMaxMemory().getKiB());
        assertEquals(2048, d.getMemtune().getHardLimit().getKiB());
        assertEquals(7, d.getMemtune().getSoftLimit().getKiB());
        assertEquals(1, d.getMemtune().getSwapHardLimit().getKiB());
        String out = DomainXml.format(d);
        assertTrue(out.contains("  <maxMemory slots='4' unit='KiB'>2</maxMemory>\n"
                + "  <memory unit='KiB'>976563</memory>\n"
                + "  <currentMemory unit='KiB'>976563</currentMemory>\n"
                + "  <memtune>\n"
                + "    <hard_limit unit='KiB'>2048</hard_limit>\n"), out);
    }

    @Test
    void unitsFollowLibvirtScales() throws Exception {
        assertEquals(1, Units.toKiB("1", "b"));
        assertEquals(1, Units.toKiB("1024", "bytes"));
        assertEquals(2, Units.toKiB("1025", "bytes"));
        assertEquals(5, Units.toKiB("5", null));
        assertEquals(1024, Units.toKiB("1", "MiB"));
        assertEquals(1024, Units.toKiB("1", "m"));
        assertEquals(977, Units.toKiB("1", "MB"));
        assertEquals(1L << 40, Units.toKiB("1", "PiB"));
        assertEquals(1L << 50, Units.toKiB("1", "EiB"), "1 EiB fits");
        assertThrows(Units.BadValue.class, () -> Units.toKiB("8", "EiB"));
        assertThrows(Units.BadValue.class, () -> Units.toKiB("1", "parsecs"));
        assertThrows(Units.BadValue.class, () -> Units.toKiB("-1", "KiB"));
    }

    @Test
    void unknownElementsAndAttributesAreKept() throws Exception {
        String xml = "<domain type='lxc' id='7'>\n"
                + "  <name>u</name>\n"
                + "  <metadata>\n"
                + "    <app:info xmlns:app='http://example.org/app'><app:tag k='v'>x</app:tag></app:info>\n"
                + "  </metadata>\n"
                + "  <memory dumpCore='on'>1024</memory>\n"
                + "  <sysinfo type='smbios'><bios><entry name='vendor'>corral</entry></bios></sysinfo>\n"
                + "  <os><type>exe</type><bootmenu enable='no'/></os>\n"
                + "  <cpu mode='host-model'/>\n"
                + "  <features><acpi/><privnet/></features>\n"
                + "  <pm><suspend-to-disk enabled='no'/></pm>\n"
                + "  <devices>\n"
                + "    <graphics type='vnc' port='-1'/>\n"
                + "    <interface type='bridge'><source bridge='br0'/><bandwidth><inbound average='1000'/></bandwidth></interface>\n"
                + "    <video><model type='vga'/></video>\n"
                + "    <input type='mouse' bus='ps2'/>\n"
                + "    <memballoon model='none'/>\n"
                + "  </devices>\n"
                + "</domain>\n";
        Domain d = DomainXml.parse(xml);
        assertTrue(d.getFeatures().isPrivnet());
        String out = DomainXml.format(d);
        for (String kept : List.of("<domain type='lxc' id='7'>",
                "<app:info xmlns:app='http://example.org/app'>", "<app:tag k='v'>x</app:tag>",
                "<memory unit='KiB' dumpCore='on'>1024</memory>",
                "<entry name='vendor'>corral</entry>", "<bootmenu enable='no'/>", "<cpu mode='host-model'/>",
                "<acpi/>", "<suspend-to-disk enabled='no'/>",
                // Unknown elements are kept as DOM, which does not keep attribute order: they come
                // back sorted by name (libvirt would reorder or drop them anyway).
                "<graphics port='-1' type='vnc'/>", "<input bus='ps2' type='mouse'/>",
                "<inbound average='1000'/>", "<model type='vga'/>",
                "<memballoon model='none'/>")) {
            assertTrue(out.contains(kept), "kept: " + kept + "\n" + out);
        }
        // libvirt's order: unknown domain-level elements right before <devices>, unknown devices last.
        assertTrue(out.indexOf("<on_crash>") < out.indexOf("<sysinfo") && out.indexOf("<pm>") < out.indexOf("<devices>"), out);
        assertTrue(out.indexOf("</interface>") < out.indexOf("<graphics"), out);
        assertEquals(out, DomainXml.format(DomainXml.parse(out)), "idempotent");
        assertEquals(XmlCanon.canonical(out), XmlCanon.canonical(DomainXml.format(d.copy())));
    }

    @Test
    void unprefixedNamespaceChildrenAreAcceptedAndWrittenPrefixed() throws Exception {
        String xml = "<domain type='lxc' xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'>"
                + "<name>n</name><memory>1024</memory><os><type>exe</type></os>"
                + "<lxc:namespace><sharenet type='netns' value='red'/><lxc:shareipc type='pid' value='1'/>"
                + "<shareuts type='name' value='other'/></lxc:namespace></domain>";
        Domain d = DomainXml.parse(xml);
        LxcNamespace ns = d.getNamespace();
        assertEquals("netns", ns.getSharenet().getType());
        assertEquals("red", ns.getSharenet().getValue());
        assertEquals("1", ns.getShareipc().getValue());
        assertEquals("other", ns.getShareuts().getValue());
        String out = DomainXml.format(d);
        assertTrue(out.startsWith("<domain type='lxc' xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'>\n"), out);
        assertTrue(out.endsWith("  <lxc:namespace>\n"
                + "    <lxc:sharenet type='netns' value='red'/>\n"
                + "    <lxc:shareipc type='pid' value='1'/>\n"
                + "    <lxc:shareuts type='name' value='other'/>\n"
                + "  </lxc:namespace>\n"
                + "</domain>\n"), out);
    }

    @Test
    void namespaceAnywhereAmongChildrenIsWrittenLast() throws Exception {
        Domain d = DomainXml.parse("<domain type='lxc'><lxc:namespace xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'>"
                + "<lxc:sharenet type='name' value='c1'/></lxc:namespace><name>n</name><memory>1024</memory>"
                + "<os><type>exe</type></os></domain>");
        String out = DomainXml.format(d);
        assertTrue(out.indexOf("</devices>") < out.indexOf("<lxc:namespace>"), out);
    }

    @Test
    void capabilitiesAreTypedAndWrittenInLibvirtOrder() throws Exception {
        Domain d = DomainXml.parse("<domain type='lxc'><name>c</name><memory>1024</memory><os><type>exe</type></os>"
                + "<features><capabilities policy='deny'><wake_alarm state='off'/><chown state='on'/>"
                + "</capabilities></features></domain>");
        assertEquals(Map.of("chown", true, "wake_alarm", false), d.getFeatures().getCapabilities().getStates());
        String out = DomainXml.format(d);
        assertTrue(out.contains("    <capabilities policy='deny'>\n"
                + "      <chown state='on'/>\n"
                + "      <wake_alarm state='off'/>\n"
                + "    </capabilities>\n"), out);
        assertEquals(37, org.corral.config.model.Capabilities.NAMES.size());
    }

    @Test
    void uuidAndMacAreNormalised() throws Exception {
        Domain d = DomainXml.parse("<domain type='lxc'><name>u</name><uuid>E21987A5E98E9C990E35803E4D9AD1FE</uuid>"
                + "<memory>1024</memory><os><type>exe</type></os><devices><interface type='ethernet'>"
                + "<mac address='0:16:3E:F:eF:8a'/></interface><interface type='ethernet'/></devices></domain>");
        assertEquals("e21987a5-e98e-9c99-0e35-803e4d9ad1fe", d.getUuid());
        assertFalse(d.isUuidGenerated());
        List<Interface> nics = d.getDevices().getInterfaces();
        assertEquals("00:16:3e:0f:ef:8a", nics.get(0).getMacAddress());
        assertTrue(nics.get(1).getMacAddress().startsWith("00:16:3e:"));
        assertEquals(nics.get(1).getMacAddress(),
                DomainXml.parse(DomainXml.format(d)).getDevices().getInterfaces().get(1).getMacAddress(),
                "a generated MAC is written out and kept");
    }

    @Test
    void setUuidNormalisesAndRejectsGarbage() throws Exception {
        Domain d = DomainXml.parse(resource("seed-example-2.xml"));
        d.setUuid("8369F1AC-7E46-E869-4CA5-759D51478066");
        assertEquals("8369f1ac-7e46-e869-4ca5-759d51478066", d.getUuid());
        assertFalse(d.isUuidGenerated());
        assertThrows(IllegalArgumentException.class, () -> d.setUuid("nope"));
    }

    @Test
    void copyIsDeepAndKeepsTheGeneratedFlag() throws Exception {
        Domain d = DomainXml.parse(resource("seed-example-1.xml"));
        Domain c = d.copy();
        assertEquals(DomainXml.format(d), DomainXml.format(c));
        assertTrue(c.isUuidGenerated());
        c.getDevices().getConsoles().clear();
        c.getOs().getInitargs().add("x");
        assertEquals(1, d.getDevices().getConsoles().size());
        assertTrue(d.getOs().getInitargs().isEmpty());
    }

    @Test
    void validNamesPass() throws Exception {
        for (String name : List.of("a", "8675309", "_x", "vm-1.example_2", "A".repeat(64))) {
            DomainXml.checkName(name);
        }
    }
}
