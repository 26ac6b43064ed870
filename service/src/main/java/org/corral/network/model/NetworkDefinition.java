package org.corral.network.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlTransient;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;
import org.corral.config.model.Extensible;

/**
 * {@code <network>}: a bridge on the host that containers' {@code <interface type='network'>}
 * NICs join, with an IPv4 subnet (and optionally one IPv6 prefix) and optional NAT.
 */
@XmlRootElement(name = "network")
@XmlType(propOrder = {"name", "uuid", "forward", "bridge", "mac", "ips", "extra"})
public class NetworkDefinition extends Extensible {

    private String name;
    private String uuid;
    private Forward forward;
    private Bridge bridge;
    private Mac mac;
    @XmlElement(name = "ip")
    private List<Ip> ips;
    @XmlTransient
    private boolean uuidGenerated;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getUuid() { return uuid; }
    public void setUuid(String uuid) { this.uuid = uuid; }
    public Forward getForward() { return forward; }
    public void setForward(Forward forward) { this.forward = forward; }
    public Bridge getBridge() { return bridge; }
    public void setBridge(Bridge bridge) { this.bridge = bridge; }
    public Mac getMac() { return mac; }
    public void setMac(Mac mac) { this.mac = mac; }
    public List<Ip> getIps() { return ips == null ? (ips = new ArrayList<>()) : ips; }
    /** True when the parser made up the UUID (the XML had none). */
    public boolean isUuidGenerated() { return uuidGenerated; }
    public void setUuidGenerated(boolean generated) { this.uuidGenerated = generated; }

    /** The bridge's name, or null. */
    public String bridgeName() { return bridge == null ? null : bridge.getName(); }

    /** "nat", "none" or null (isolated). */
    public String forwardMode() { return forward == null ? null : forward.getMode(); }

    /** {@code <forward mode='nat|none'/>}. */
    @XmlType(propOrder = {"extra"})
    public static class Forward extends Extensible {
        @XmlAttribute
        private String mode;

        public Forward() {
        }

        public Forward(String mode) {
            this.mode = mode;
        }

        public String getMode() { return mode; }
        public void setMode(String mode) { this.mode = mode; }
    }

    /** {@code <bridge name/>}; libvirt's other attributes (stp, delay) are kept, not applied. */
    @XmlType(propOrder = {"extra"})
    public static class Bridge extends Extensible {
        @XmlAttribute
        private String name;
        /** libvirt's STP switch: kept in libvirt's attribute order, not applied (corral's bridges run without STP). */
        @XmlAttribute
        private String stp;
        /** libvirt's forward delay: kept, not applied. */
        @XmlAttribute
        private String delay;

        public Bridge() {
        }

        public Bridge(String name) {
            this.name = name;
        }

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
    }

    /** {@code <mac address/>} of the bridge. */
    @XmlType(propOrder = {"extra"})
    public static class Mac extends Extensible {
        @XmlAttribute
        private String address;

        public String getAddress() { return address; }
        public void setAddress(String address) { this.address = address; }
    }

    /** {@code <ip [family] address netmask|prefix>} with an optional {@code <dhcp>}. */
    @XmlType(propOrder = {"dhcp", "extra"})
    public static class Ip extends Extensible {
        @XmlAttribute
        private String family;
        @XmlAttribute
        private String address;
        @XmlAttribute
        private String netmask;
        @XmlAttribute
        private String prefix;
        private Dhcp dhcp;

        public Ip() {
        }

        public Ip(String address, String netmask) {
            this.address = address;
            this.netmask = netmask;
        }

        public String getFamily() { return family; }
        public void setFamily(String family) { this.family = family; }
        public String getAddress() { return address; }
        public void setAddress(String address) { this.address = address; }
        public String getNetmask() { return netmask; }
        public String getPrefix() { return prefix; }
        public void setPrefix(String prefix) { this.prefix = prefix; }
        public Dhcp getDhcp() { return dhcp; }
        public void setDhcp(Dhcp dhcp) { this.dhcp = dhcp; }

        public boolean isIpv6() { return "ipv6".equals(family); }
    }

    /** {@code <dhcp>}: corral uses its ranges as the pool addresses are allocated from. */
    @XmlType(propOrder = {"ranges", "extra"})
    public static class Dhcp extends Extensible {
        @XmlElement(name = "range")
        private List<Range> ranges;

        public List<Range> getRanges() { return ranges == null ? (ranges = new ArrayList<>()) : ranges; }
    }

    /** {@code <range start end/>}, both inclusive. */
    @XmlType(propOrder = {"extra"})
    public static class Range extends Extensible {
        @XmlAttribute
        private String start;
        @XmlAttribute
        private String end;

        public Range() {
        }

        public Range(String start, String end) {
            this.start = start;
            this.end = end;
        }

        public String getStart() { return start; }
        public String getEnd() { return end; }
    }
}
