package org.corral.config;

import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.corral.config.model.Capabilities;
import org.corral.config.model.Chardev;
import org.corral.config.model.Clock;
import org.corral.config.model.Devices;
import org.corral.config.model.Domain;
import org.corral.config.model.Filesystem;
import org.corral.config.model.FilesystemSource;
import org.corral.config.model.Interface;
import org.corral.config.model.MemorySize;
import org.corral.config.model.Memtune;
import org.corral.config.model.OsType;
import org.corral.config.model.Vcpu;

/**
 * Fills the defaults libvirt's LXC driver fills when it parses a definition, and normalises
 * values to the form libvirt writes back (KiB, lower-case MAC, capability order).
 *
 * <p>Deliberately not added here: {@code <seclabel>}, {@code <resource><partition>} and the
 * implicit root filesystem. libvirt adds those when a container starts, not when it is defined,
 * and dumpxml of an inactive definition must not show them.
 */
final class DomainDefaults {

    /** corral's per-container supervisor, used when {@code <emulator>} is not given. */
    static final String DEFAULT_EMULATOR = "/usr/libexec/corral/corral-supervisor";
    static final String DEFAULT_INIT = "/sbin/init";
    /** libvirt's OUI prefix for LXC guest NICs (Xen's, reused by libvirt for containers). */
    static final byte[] MAC_PREFIX = {0x00, 0x16, 0x3e};

    /** Made on first use: a SecureRandom brings up the JDK's security providers, which a start need not wait for. */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    private DomainDefaults() {
    }

    /** Applies the defaults; the domain must have passed {@link DomainValidator}. */
    static void apply(Domain d) {
        if (d.getUuid() == null) {
            d.setUuid(Uuids.random());
            d.markUuidGenerated();
        } else {
            d.setUuid(d.getUuid()); // normalises
        }
        memory(d);
        if (d.getVcpu() == null) {
            d.setVcpu(new Vcpu("static", 1));
        } else if (d.getVcpu().getPlacement() == null) {
            d.getVcpu().setPlacement("static");
        }
        OsType type = d.getOs().getType();
        type.setValue("exe");
        if (type.getArch() == null) {
            type.setArch(hostArch());
        }
        if (d.getOs().getInit() == null) {
            d.getOs().setInit(DEFAULT_INIT);
        }
        if (d.getFeatures() != null && d.getFeatures().getCapabilities() != null) {
            // libvirt writes capabilities in its own (enum) order, whatever the input order.
            List<org.w3c.dom.Element> entries = d.getFeatures().getCapabilities().getEntries();
            entries.sort(Comparator.comparingInt(e -> Capabilities.NAMES.indexOf(e.getLocalName())));
        }
        if (d.getClock() == null) {
            d.setClock(new Clock("utc"));
        } else if (d.getClock().getOffset() == null) {
            d.getClock().setOffset("utc");
        }
        if (d.getOnPoweroff() == null) {
            d.setOnPoweroff("destroy");
        }
        if (d.getOnReboot() == null) {
            d.setOnReboot("restart");
        }
        if (d.getOnCrash() == null) {
            d.setOnCrash("destroy");
        }
        devices(d);
    }

    private static void memory(Domain d) {
        long memory = kib(d.getMemory());
        d.getMemory().setKiB(memory);
        if (d.getCurrentMemory() == null) {
            d.setCurrentMemory(new MemorySize(memory));
        } else {
            d.getCurrentMemory().setKiB(Math.min(kib(d.getCurrentMemory()), memory));
        }
        normalise(d.getMaxMemory());
        Memtune t = d.getMemtune();
        if (t != null) {
            normalise(t.getHardLimit());
            normalise(t.getSoftLimit());
            normalise(t.getSwapHardLimit());
            normalise(t.getMinGuarantee());
        }
    }

    private static void normalise(MemorySize m) {
        if (m != null) {
            m.setKiB(kib(m));
        }
    }

    private static long kib(MemorySize m) {
        try {
            return Units.toKiB(m.getValue(), m.getUnit());
        } catch (Units.BadValue e) {
            throw new IllegalStateException("not validated: " + e.getMessage(), e);
        }
    }

    private static void devices(Domain d) {
        if (d.getDevices() == null) {
            d.setDevices(new Devices());
        }
        Devices dev = d.getDevices();
        if (dev.getEmulator() == null) {
            dev.setEmulator(DEFAULT_EMULATOR);
        }
        for (Filesystem fs : dev.getFilesystems()) {
            if (fs.getType() == null) {
                fs.setType("mount");
            }
            if (fs.getAccessmode() == null) {
                fs.setAccessmode("passthrough");
            }
            FilesystemSource src = fs.getSource();
            if (fs.getType().equals("ram")) {
                try {
                    src.setUsageKiB(Units.toKiB(src.getUsage(), src.getUnits()));
                } catch (Units.BadValue e) {
                    throw new IllegalStateException("not validated: " + e.getMessage(), e);
                }
            }
        }
        for (Interface nic : dev.getInterfaces()) {
            if (nic.getMac() == null) {
                nic.setMac(new Interface.Mac(randomMac()));
            } else {
                nic.getMac().setAddress(normaliseMac(nic.getMacAddress()));
            }
        }
        chardevTargets(dev.getSerials());
        chardevTargets(dev.getConsoles());
    }

    /** Console N gets {@code <target type='lxc' port='N'/>}, as libvirt's LXC post-parse does. */
    private static void chardevTargets(List<Chardev> list) {
        for (int i = 0; i < list.size(); i++) {
            Chardev c = list.get(i);
            if (c.getTarget() == null) {
                c.setTarget(new Chardev.Target("lxc", i));
            }
            if (c.getTarget().getType() == null) {
                c.getTarget().setType("lxc");
            }
            if (c.getTarget().getPortText() == null) {
                c.getTarget().setPort(i);
            }
        }
    }

    static String randomMac() {
        byte[] b = new byte[3];
        Random.INSTANCE.nextBytes(b);
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x",
                MAC_PREFIX[0], MAC_PREFIX[1], MAC_PREFIX[2], b[0] & 0xff, b[1] & 0xff, b[2] & 0xff);
    }

    /** "0:16:3E:a:b:c" -> "00:16:3e:0a:0b:0c", the way libvirt prints MACs. */
    static String normaliseMac(String mac) {
        StringBuilder sb = new StringBuilder();
        for (String part : mac.split(":")) {
            sb.append(sb.length() == 0 ? "" : ":").append(part.length() == 1 ? "0" : "").append(part);
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /** The host architecture in libvirt's spelling (Java says amd64 where libvirt says x86_64). */
    static String hostArch() {
        String arch = System.getProperty("os.arch", "");
        switch (arch) {
            case "amd64": return "x86_64";
            case "x86": case "i386": return "i686";
            case "arm": return "armv7l";
            default: return arch;
        }
    }
}
