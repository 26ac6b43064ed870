package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <hostdev mode='capabilities' type='storage|misc|net'>} (a host block/char device node or
 * a host NIC moved into the container) or {@code mode='subsystem' type='usb'}.
 */
@XmlType(propOrder = {"source", "ips", "routes", "extra"})
public class Hostdev extends Extensible {

    @XmlAttribute
    private String mode;
    @XmlAttribute
    private String type;
    @XmlAttribute
    private String managed;
    private Source source;
    @XmlElement(name = "ip")
    private List<IpAddress> ips;
    @XmlElement(name = "route")
    private List<Route> routes;

    public String getMode() { return mode; }
    public void setMode(String mode) { this.mode = mode; }
    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getManaged() { return managed; }
    public Source getSource() { return source; }
    public void setSource(Source source) { this.source = source; }
    public List<IpAddress> getIps() { return ips == null ? (ips = new ArrayList<>()) : ips; }
    public List<Route> getRoutes() { return routes == null ? (routes = new ArrayList<>()) : routes; }

    /** {@code <source>}: {@code <block>}, {@code <char>}, {@code <interface>} or USB ids/address. */
    @XmlType(name = "hostdevSource", propOrder = {"block", "chardev", "iface", "vendor", "product", "address", "extra"})
    public static class Source extends Extensible {
        @XmlAttribute
        private String startupPolicy;
        private String block;
        @XmlElement(name = "char")
        private String chardev;
        @XmlElement(name = "interface")
        private String iface;
        private UsbId vendor;
        private UsbId product;
        private UsbAddress address;

        public String getStartupPolicy() { return startupPolicy; }
        public String getBlock() { return block; }
        public void setBlock(String block) { this.block = block; }
        public String getChar() { return chardev; }
        public void setChar(String chardev) { this.chardev = chardev; }
        public String getInterface() { return iface; }
        public void setInterface(String iface) { this.iface = iface; }
        public UsbId getVendor() { return vendor; }
        public UsbId getProduct() { return product; }
        public UsbAddress getAddress() { return address; }
    }

    /** {@code <vendor id='0x1234'/>}, {@code <product id/>}. */
    @XmlType(propOrder = {"extra"})
    public static class UsbId extends Extensible {
        @XmlAttribute
        private String id;

        public String getId() { return id; }
    }

    /** {@code <address bus device/>} of a USB device. */
    @XmlType(propOrder = {"extra"})
    public static class UsbAddress extends Extensible {
        @XmlAttribute
        private String bus;
        @XmlAttribute
        private String device;

        public String getBus() { return bus; }
        public String getDevice() { return device; }
    }
}
