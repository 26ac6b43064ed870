package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <interface><source>}: {@code network=} (type network), {@code bridge=} (bridge),
 * {@code dev= mode=} (direct); for type='ethernet' it may carry host-side ip/route children.
 */
@XmlType(propOrder = {"ips", "routes", "extra"})
public class InterfaceSource extends Extensible {

    @XmlAttribute
    private String network;
    @XmlAttribute
    private String portgroup;
    @XmlAttribute
    private String bridge;
    @XmlAttribute
    private String dev;
    @XmlAttribute
    private String mode;
    @XmlElement(name = "ip")
    private List<IpAddress> ips;
    @XmlElement(name = "route")
    private List<Route> routes;

    public String getNetwork() { return network; }
    public void setNetwork(String network) { this.network = network; }
    public String getPortgroup() { return portgroup; }
    public String getBridge() { return bridge; }
    public void setBridge(String bridge) { this.bridge = bridge; }
    public String getDev() { return dev; }
    public void setDev(String dev) { this.dev = dev; }
    public String getMode() { return mode; }
    public void setMode(String mode) { this.mode = mode; }
    public List<IpAddress> getIps() { return ips == null ? (ips = new ArrayList<>()) : ips; }
    public List<Route> getRoutes() { return routes == null ? (routes = new ArrayList<>()) : routes; }
}
