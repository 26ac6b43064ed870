package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <interface type='network|bridge|ethernet|direct'>}: a veth pair or macvlan. The
 * top-level {@code <ip>}/{@code <route>} are guest-side; for type='ethernet' those inside
 * {@code <source>} are host-side.
 */
@XmlType(propOrder = {"mac", "source", "ips", "routes", "target", "guest", "model", "link", "extra"})
public class Interface extends Extensible {

    @XmlAttribute
    private String type;
    private Mac mac;
    private InterfaceSource source;
    @XmlElement(name = "ip")
    private List<IpAddress> ips;
    @XmlElement(name = "route")
    private List<Route> routes;
    /** Host-side device name (veth end on the host). */
    private NetDev target;
    /** Device name inside the container. */
    private NetDev guest;
    private Model model;
    private Link link;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public Mac getMac() { return mac; }
    public void setMac(Mac mac) { this.mac = mac; }
    public String getMacAddress() { return mac == null ? null : mac.getAddress(); }
    public InterfaceSource getSource() { return source; }
    public void setSource(InterfaceSource source) { this.source = source; }
    public List<IpAddress> getIps() { return ips == null ? (ips = new ArrayList<>()) : ips; }
    public List<Route> getRoutes() { return routes == null ? (routes = new ArrayList<>()) : routes; }
    public NetDev getTarget() { return target; }
    public void setTarget(NetDev target) { this.target = target; }
    public NetDev getGuest() { return guest; }
    public void setGuest(NetDev guest) { this.guest = guest; }
    public Model getModel() { return model; }
    public void setModel(Model model) { this.model = model; }
    public Link getLink() { return link; }
    public void setLink(Link link) { this.link = link; }

    /** {@code <mac address='00:16:3e:..'/>}. */
    @XmlType(propOrder = {"extra"})
    public static class Mac extends Extensible {
        @XmlAttribute
        private String address;

        public Mac() {
        }

        public Mac(String address) {
            this.address = address;
        }

        public String getAddress() { return address; }
        public void setAddress(String address) { this.address = address; }
    }

    /** {@code <target dev/>} and {@code <guest dev/>}. */
    @XmlType(propOrder = {"extra"})
    public static class NetDev extends Extensible {
        @XmlAttribute
        private String dev;
        @XmlAttribute
        private String actual;

        public String getDev() { return dev; }
        public void setDev(String dev) { this.dev = dev; }
        public String getActual() { return actual; }
    }

    /** {@code <model type/>}: ignored by LXC, kept. */
    @XmlType(propOrder = {"extra"})
    public static class Model extends Extensible {
        @XmlAttribute
        private String type;

        public String getType() { return type; }
    }

    /** {@code <link state='up|down'/>}. */
    @XmlType(propOrder = {"extra"})
    public static class Link extends Extensible {
        @XmlAttribute
        private String state;

        public String getState() { return state; }
        public void setState(String state) { this.state = state; }
    }
}
