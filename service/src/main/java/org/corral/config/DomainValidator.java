package org.corral.config;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.corral.config.model.Blkiotune;
import org.corral.config.model.BlkioDevice;
import org.corral.config.model.Capabilities;
import org.corral.config.model.Chardev;
import org.corral.config.model.Clock;
import org.corral.config.model.Cputune;
import org.corral.config.model.Devices;
import org.corral.config.model.Domain;
import org.corral.config.model.Features;
import org.corral.config.model.Filesystem;
import org.corral.config.model.FilesystemSource;
import org.corral.config.model.Hostdev;
import org.corral.config.model.IdmapEntry;
import org.corral.config.model.Initenv;
import org.corral.config.model.Interface;
import org.corral.config.model.IpAddress;
import org.corral.config.model.Located;
import org.corral.config.model.LxcNamespace;
import org.corral.config.model.MemorySize;
import org.corral.config.model.Memtune;
import org.corral.config.model.Os;
import org.corral.config.model.Route;
import org.corral.config.model.Seclabel;
import org.corral.config.model.Timer;
import org.corral.config.model.Vcpu;
import org.corral.core.CorralException;
import org.w3c.dom.Element;

/**
 * Checks a freshly read domain against libvirt's schema rules and corral's own (the name).
 * Runs before defaults are filled, so it sees exactly what the user wrote. Rules that libvirt
 * enforces only when a container starts (at least one PTY console, NIC/namespace conflicts, ...)
 * are left to the start path, as in libvirt.
 */
final class DomainValidator {

    private static final Pattern INITENV_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern MAC = Pattern.compile("\\p{XDigit}{1,2}(:\\p{XDigit}{1,2}){5}");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

    private static final Set<String> LIFECYCLE = Set.of("destroy", "restart", "preserve", "rename-restart");
    private static final Set<String> CRASH = Set.of("destroy", "restart", "preserve", "rename-restart",
            "coredump-destroy", "coredump-restart");
    private static final Set<String> FS_TYPES = Set.of("mount", "bind", "ram", "block", "file");
    private static final Set<String> NIC_TYPES = Set.of("network", "bridge", "ethernet", "direct");

    private DomainValidator() {
    }

    static void validate(Domain d) throws CorralException {
        final String p = "/domain";
        if (d.getNameElement() == null) {
            throw Problem.at(d, p, "<name> is missing: every domain needs a name");
        }
        try {
            DomainXml.checkName(d.getName() == null ? "" : d.getName());
        } catch (CorralException e) {
            throw Problem.at(d.getNameElement(), p + "/name", e.getMessage());
        }
        if (d.getUuidElement() != null && Uuids.normalise(d.getUuidElement().getValue()) == null) {
            throw Problem.at(d.getUuidElement(), p + "/uuid", "<uuid> " + Problem.quote(d.getUuidElement().getValue())
                    + " is not a valid UUID: expected 32 hex digits, optionally dashed 8-4-4-4-12");
        }
        if (d.getTitle() != null && (d.getTitle().indexOf('\n') >= 0 || d.getTitle().indexOf('\r') >= 0)) {
            throw Problem.at(d, p + "/title", "<title> must be a single line (it contains a newline)");
        }
        if (d.getMemory() == null) {
            throw Problem.at(d, p, "memory size must be specified: <memory> is missing");
        }
        if (memory(d.getMemory(), p + "/memory") == 0) {
            throw Problem.at(d.getMemory(), p + "/memory", "memory size must be specified: <memory> is 0");
        }
        memory(d.getCurrentMemory(), p + "/currentMemory");
        memory(d.getMaxMemory(), p + "/maxMemory");
        if (d.getMaxMemory() != null && d.getMaxMemory().getSlots() != null) {
            range(d.getMaxMemory(), p + "/maxMemory", "slots", d.getMaxMemory().getSlots(), 0, Integer.MAX_VALUE);
        }
        memtune(d.getMemtune(), p + "/memtune");
        blkiotune(d.getBlkiotune(), p + "/blkiotune");
        vcpu(d.getVcpu(), p + "/vcpu");
        cputune(d.getCputune(), p + "/cputune");
        if (d.getNumatune() != null && d.getNumatune().getMemory() != null) {
            var m = d.getNumatune().getMemory();
            oneOf(m, p + "/numatune/memory", "mode", m.getMode(), Set.of("strict", "interleave", "preferred", "restrictive"));
            oneOf(m, p + "/numatune/memory", "placement", m.getPlacement(), Set.of("static", "auto"));
        }
        if (d.getResource() != null && d.getResource().getPartition() != null) {
            absolute(d.getResource(), p + "/resource/partition", "partition", d.getResource().getPartition());
        }
        os(d.getOs(), d, p + "/os");
        if (d.getIdmap() != null) {
            idmap(d.getIdmap().getUids(), p + "/idmap/uid");
            idmap(d.getIdmap().getGids(), p + "/idmap/gid");
        }
        features(d.getFeatures(), p + "/features");
        clock(d.getClock(), p + "/clock");
        oneOf(d, p + "/on_poweroff", "on_poweroff", d.getOnPoweroff(), LIFECYCLE);
        oneOf(d, p + "/on_reboot", "on_reboot", d.getOnReboot(), LIFECYCLE);
        oneOf(d, p + "/on_crash", "on_crash", d.getOnCrash(), CRASH);
        devices(d.getDevices(), p + "/devices");
        for (int i = 0; i < d.getSeclabels().size(); i++) {
            Seclabel s = d.getSeclabels().get(i);
            String sp = p + "/seclabel[" + (i + 1) + "]";
            oneOf(s, sp, "type", s.getType(), Set.of("dynamic", "static", "none", "default"));
            oneOf(s, sp, "relabel", s.getRelabel(), Set.of("yes", "no"));
        }
        namespace(d.getNamespace(), p + "/lxc:namespace");
    }

    private static long memory(MemorySize m, String path) throws CorralException {
        if (m == null) {
            return -1;
        }
        try {
            return Units.toKiB(m.getValue(), m.getUnit());
        } catch (Units.BadValue e) {
            throw Problem.at(m, path, e.getMessage());
        }
    }

    private static void memtune(Memtune t, String p) throws CorralException {
        if (t != null) {
            memory(t.getHardLimit(), p + "/hard_limit");
            memory(t.getSoftLimit(), p + "/soft_limit");
            memory(t.getSwapHardLimit(), p + "/swap_hard_limit");
            memory(t.getMinGuarantee(), p + "/min_guarantee");
        }
    }

    private static void blkiotune(Blkiotune b, String p) throws CorralException {
        if (b == null) {
            return;
        }
        range(b, p + "/weight", "weight", b.getWeightText(), 100, 1000);
        for (int i = 0; i < b.getDevices().size(); i++) {
            BlkioDevice dev = b.getDevices().get(i);
            String dp = p + "/device[" + (i + 1) + "]";
            if (dev.getPath() == null) {
                throw Problem.at(dev, dp, "<path> is missing");
            }
            absolute(dev, dp + "/path", "path", dev.getPath());
            String[] names = {"weight", "read_iops_sec", "write_iops_sec", "read_bytes_sec", "write_bytes_sec"};
            String[] texts = dev.numberTexts();
            for (int k = 0; k < names.length; k++) {
                range(dev, dp + "/" + names[k], names[k], texts[k], 0, Long.MAX_VALUE);
            }
            if (texts[0] != null && dev.getWeight() != 0 && (dev.getWeight() < 100 || dev.getWeight() > 1000)) {
                throw Problem.at(dev, dp + "/weight", "weight " + dev.getWeight() + " is out of range: use 100..1000, or 0");
            }
        }
    }

    private static void vcpu(Vcpu v, String p) throws CorralException {
        if (v == null) {
            return;
        }
        if (v.getValue() == null || v.getValue().isBlank()) {
            throw Problem.at(v, p, "<vcpu> is empty: give the number of CPUs");
        }
        range(v, p, "vcpu count", v.getValue(), 1, 16384);
        range(v, p, "current", v.getCurrent(), 1, 16384);
        oneOf(v, p, "placement", v.getPlacement(), Set.of("static", "auto"));
    }

    private static void cputune(Cputune c, String p) throws CorralException {
        if (c != null) {
            range(c, p + "/shares", "shares", c.getSharesText(), 0, 262144);
            range(c, p + "/period", "period", c.getPeriodText(), 1000, 1000000);
            range(c, p + "/quota", "quota", c.getQuotaText(), -1, 17592186044415L);
        }
    }

    private static void os(Os os, Domain d, String p) throws CorralException {
        if (os == null || os.getType() == null) {
            throw Problem.at(os == null ? d : os, p, "an <os><type>exe</type></os> is required");
        }
        String type = os.getType().getValue() == null ? "" : os.getType().getValue().strip();
        if (!type.equals("exe")) {
            throw Problem.at(os.getType(), p + "/type", "OS type " + Problem.quote(type)
                    + " is not supported: containers use <type>exe</type>");
        }
        absolute(os, p + "/init", "init", os.getInit());
        absolute(os, p + "/initdir", "initdir", os.getInitdir());
        for (int i = 0; i < os.getInitenvs().size(); i++) {
            Initenv e = os.getInitenvs().get(i);
            String ep = p + "/initenv[" + (i + 1) + "]";
            if (e.getName() == null || !INITENV_NAME.matcher(e.getName()).matches()) {
                throw Problem.at(e, ep, "environment variable name " + Problem.quote(e.getName())
                        + " is invalid: use [a-zA-Z_][a-zA-Z0-9_]*");
            }
        }
        if ((os.getInituser() == null) != (os.getInitgroup() == null)) {
            throw Problem.at(os, p, "<inituser> and <initgroup> must be given together");
        }
    }

    private static void idmap(List<IdmapEntry> entries, String p) throws CorralException {
        String[] names = {"start", "target", "count"};
        for (int i = 0; i < entries.size(); i++) {
            IdmapEntry e = entries.get(i);
            String ep = p + "[" + (i + 1) + "]";
            String[] texts = e.texts();
            for (int k = 0; k < 3; k++) {
                if (texts[k] == null) {
                    throw Problem.at(e, ep, "attribute " + names[k] + " is missing");
                }
                range(e, ep, names[k], texts[k], 0, 4294967295L);
            }
            if (e.getCount() == 0) {
                throw Problem.at(e, ep, "count must be greater than 0");
            }
        }
    }

    private static void features(Features f, String p) throws CorralException {
        if (f == null || f.getCapabilities() == null) {
            return;
        }
        Capabilities c = f.getCapabilities();
        String cp = p + "/capabilities";
        oneOf(c, cp, "policy", c.getPolicy(), Set.of("default", "allow", "deny"));
        for (Element e : c.getEntries()) {
            String name = e.getLocalName();
            if ((e.getNamespaceURI() != null && !e.getNamespaceURI().isEmpty()) || !Capabilities.NAMES.contains(name)) {
                throw Problem.at(c, cp, "unknown capability <" + e.getTagName() + ">; known are "
                        + String.join(", ", Capabilities.NAMES));
            }
            String state = e.hasAttribute("state") ? e.getAttribute("state") : null;
            if (!"on".equals(state) && !"off".equals(state)) {
                throw Problem.at(c, cp + "/" + name, "state " + Problem.quote(state) + " is invalid: use 'on' or 'off'");
            }
        }
    }

    private static void clock(Clock c, String p) throws CorralException {
        if (c == null) {
            return;
        }
        oneOf(c, p, "offset", c.getOffset(), Set.of("utc", "localtime", "timezone", "variable", "absolute"));
        for (int i = 0; i < c.getTimers().size(); i++) {
            Timer t = c.getTimers().get(i);
            String tp = p + "/timer[" + (i + 1) + "]";
            if (t.getName() == null) {
                throw Problem.at(t, tp, "<timer> needs a name");
            }
            oneOf(t, tp, "present", t.getPresent(), Set.of("yes", "no"));
        }
    }

    private static void devices(Devices dev, String p) throws CorralException {
        if (dev == null) {
            return;
        }
        if (dev.getEmulator() != null) {
            absolute(dev, p + "/emulator", "emulator", dev.getEmulator());
        }
        Map<String, Integer> targets = new HashMap<>();
        for (int i = 0; i < dev.getFilesystems().size(); i++) {
            filesystem(dev.getFilesystems().get(i), i + 1, p + "/filesystem[" + (i + 1) + "]", targets);
        }
        for (int i = 0; i < dev.getInterfaces().size(); i++) {
            nic(dev.getInterfaces().get(i), p + "/interface[" + (i + 1) + "]");
        }
        chardevs(dev.getSerials(), p + "/serial");
        chardevs(dev.getConsoles(), p + "/console");
        for (int i = 0; i < dev.getHostdevs().size(); i++) {
            hostdev(dev.getHostdevs().get(i), p + "/hostdev[" + (i + 1) + "]");
        }
    }

    private static void filesystem(Filesystem fs, int index, String p, Map<String, Integer> targets)
            throws CorralException {
        String type = fs.getType() == null ? "mount" : fs.getType();
        if (type.equals("template") || type.equals("volume")) {
            throw Problem.at(fs, p, "filesystem type '" + type + "' is not supported by LXC containers");
        }
        if (!FS_TYPES.contains(type)) {
            throw Problem.at(fs, p, "unknown filesystem type " + Problem.quote(type) + ": use " + String.join(", ", FS_TYPES));
        }
        oneOf(fs, p, "accessmode", fs.getAccessmode(), Set.of("passthrough", "mapped", "squash"));
        if (fs.getTargetDir() == null) {
            throw Problem.at(fs, p, "missing <target dir='...'/>: where should it be mounted?");
        }
        absolute(fs.getTarget(), p + "/target", "target dir", fs.getTargetDir());
        Integer first = targets.putIfAbsent(normalisePath(fs.getTargetDir()), index);
        if (first != null) {
            throw Problem.at(fs.getTarget(), p + "/target", "target dir '" + fs.getTargetDir()
                    + "' is already used by filesystem[" + first + "]");
        }
        FilesystemSource src = fs.getSource();
        String sp = p + "/source";
        switch (type) {
            case "mount":
            case "bind":
                if (src == null || src.getDir() == null) {
                    throw Problem.at(fs, p, "a " + type + " filesystem needs <source dir='...'/>");
                }
                absolute(src, sp, "source dir", src.getDir());
                break;
            case "block":
                if (src == null || src.getDev() == null) {
                    throw Problem.at(fs, p, "a block filesystem needs <source dev='/dev/...'/>");
                }
                absolute(src, sp, "source dev", src.getDev());
                break;
            case "file":
                if (src == null || src.getFile() == null) {
                    throw Problem.at(fs, p, "a file filesystem needs <source file='...'/>");
                }
                absolute(src, sp, "source file", src.getFile());
                break;
            default: // ram
                if (src == null || src.getUsage() == null) {
                    throw Problem.at(fs, p, "a ram filesystem needs <source usage='N' units='KiB'/>");
                }
                try {
                    Units.toKiB(src.getUsage(), src.getUnits());
                } catch (Units.BadValue e) {
                    throw Problem.at(src, sp, "usage " + e.getMessage());
                }
        }
    }

    private static String normalisePath(String path) {
        String s = path.replaceAll("/+", "/");
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static void nic(Interface nic, String p) throws CorralException {
        String type = nic.getType();
        if (type == null || !NIC_TYPES.contains(type)) {
            throw Problem.at(nic, p, "interface type " + Problem.quote(type)
                    + " is not supported by LXC containers: use network, bridge, ethernet or direct");
        }
        if (nic.getMac() != null) {
            String mac = nic.getMacAddress();
            if (mac == null || !MAC.matcher(mac).matches()) {
                throw Problem.at(nic.getMac(), p + "/mac", "MAC address " + Problem.quote(mac)
                        + " is malformed: expected six hex bytes like 00:16:3e:12:34:56");
            }
            if ((Integer.parseInt(mac.substring(0, mac.indexOf(':')), 16) & 1) != 0) {
                throw Problem.at(nic.getMac(), p + "/mac", "MAC address '" + mac
                        + "' is a multicast address: the first byte must be even");
            }
        }
        var src = nic.getSource();
        if (type.equals("network") && (src == null || src.getNetwork() == null)) {
            throw Problem.at(nic, p, "an interface of type 'network' needs <source network='...'/>");
        }
        if (type.equals("bridge") && (src == null || src.getBridge() == null)) {
            throw Problem.at(nic, p, "an interface of type 'bridge' needs <source bridge='...'/>");
        }
        if (type.equals("direct") && (src == null || src.getDev() == null)) {
            throw Problem.at(nic, p, "an interface of type 'direct' needs <source dev='...'/>");
        }
        if (src != null) {
            addresses(src.getIps(), src.getRoutes(), p + "/source");
        }
        addresses(nic.getIps(), nic.getRoutes(), p);
        if (nic.getLink() != null) {
            oneOf(nic.getLink(), p + "/link", "state", nic.getLink().getState(), Set.of("up", "down"));
        }
    }

    private static void addresses(List<IpAddress> ips, List<Route> routes, String p) throws CorralException {
        Set<String> families = Set.of("ipv4", "ipv6");
        for (int i = 0; i < ips.size(); i++) {
            IpAddress ip = ips.get(i);
            String ip_ = p + "/ip[" + (i + 1) + "]";
            if (ip.getAddress() == null) {
                throw Problem.at(ip, ip_, "<ip> needs an address");
            }
            oneOf(ip, ip_, "family", ip.getFamily(), families);
            range(ip, ip_, "prefix", ip.getPrefixText(), 0, 128);
        }
        for (int i = 0; i < routes.size(); i++) {
            Route r = routes.get(i);
            String rp = p + "/route[" + (i + 1) + "]";
            if (r.getAddress() == null || r.getGateway() == null) {
                throw Problem.at(r, rp, "<route> needs address and gateway");
            }
            oneOf(r, rp, "family", r.getFamily(), families);
            range(r, rp, "prefix", r.getPrefixText(), 0, 128);
            range(r, rp, "metric", r.getMetricText(), 0, 4294967295L);
        }
    }

    private static void chardevs(List<Chardev> list, String p) throws CorralException {
        for (int i = 0; i < list.size(); i++) {
            Chardev c = list.get(i);
            if (c.getTarget() != null) {
                range(c.getTarget(), p + "[" + (i + 1) + "]/target", "port", c.getTarget().getPortText(), 0, 65535);
            }
        }
    }

    private static void hostdev(Hostdev h, String p) throws CorralException {
        String mode = h.getMode() == null ? "subsystem" : h.getMode();
        if (mode.equals("capabilities")) {
            Hostdev.Source s = h.getSource();
            boolean ok;
            switch (h.getType() == null ? "" : h.getType()) {
                case "storage": ok = s != null && s.getBlock() != null; break;
                case "misc": ok = s != null && s.getChar() != null; break;
                case "net": ok = s != null && s.getInterface() != null; break;
                default:
                    throw Problem.at(h, p, "hostdev type " + Problem.quote(h.getType())
                            + " is invalid with mode='capabilities': use storage, misc or net");
            }
            if (!ok) {
                throw Problem.at(h, p, "a '" + h.getType() + "' hostdev needs <source> with <"
                        + Map.of("storage", "block", "misc", "char", "net", "interface").get(h.getType()) + ">");
            }
            addresses(h.getIps(), h.getRoutes(), p);
        } else if (!mode.equals("subsystem")) {
            throw Problem.at(h, p, "hostdev mode " + Problem.quote(mode) + " is invalid: use capabilities or subsystem");
        }
    }

    private static void namespace(LxcNamespace ns, String p) throws CorralException {
        if (ns == null) {
            return;
        }
        share(ns.getSharenet(), p + "/lxc:sharenet", Set.of("netns", "name", "pid"));
        share(ns.getShareipc(), p + "/lxc:shareipc", Set.of("name", "pid"));
        share(ns.getShareuts(), p + "/lxc:shareuts", Set.of("name", "pid"));
    }

    private static void share(LxcNamespace.Share s, String p, Set<String> types) throws CorralException {
        if (s == null) {
            return;
        }
        if (s.getType() == null || !types.contains(s.getType())) {
            throw Problem.at(s, p, "type " + Problem.quote(s.getType()) + " is invalid: use one of " + String.join(", ", types));
        }
        if (s.getValue() == null || s.getValue().isEmpty()) {
            throw Problem.at(s, p, "a value is required");
        }
    }

    // ---- small checks ------------------------------------------------------------------------

    /** {@code value} must be null or one of {@code allowed}. */
    private static void oneOf(Located at, String path, String what, String value, Set<String> allowed)
            throws CorralException {
        if (value != null && !allowed.contains(value)) {
            throw Problem.at(at, path, what + " " + Problem.quote(value) + " is invalid: use one of "
                    + String.join(", ", allowed.stream().sorted().toList()));
        }
    }

    /** {@code text} must be null or an integer in [min, max]. */
    private static void range(Located at, String path, String what, String text, long min, long max)
            throws CorralException {
        if (text == null) {
            return;
        }
        String s = text.strip();
        if (!INTEGER.matcher(s).matches()) {
            throw Problem.at(at, path, what + " " + Problem.quote(text) + " is not an integer");
        }
        BigInteger v = new BigInteger(s);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw Problem.at(at, path, what + " " + s + " is out of range " + min + ".." + max);
        }
    }

    /** {@code path} must be null or absolute. */
    private static void absolute(Located at, String where, String what, String path) throws CorralException {
        if (path != null && !path.startsWith("/")) {
            throw Problem.at(at, where, what + " " + Problem.quote(path) + " must be an absolute path");
        }
    }
}
