package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <ip address family prefix peer/>} on an interface or a hostdev NIC. */
@XmlType(propOrder = {"extra"})
public class IpAddress extends Extensible {

    @XmlAttribute
    private String address;
    @XmlAttribute
    private String family;
    @XmlAttribute
    private String prefix;
    @XmlAttribute
    private String peer;

    public String getAddress() { return address; }
    public void setAddress(String address) { this.address = address; }
    public String getFamily() { return family; }
    public void setFamily(String family) { this.family = family; }
    /** The prefix length, or null when not given. */
    public Integer getPrefix() { return prefix == null ? null : Integer.valueOf(prefix.trim()); }
    public String getPrefixText() { return prefix; }
    public String getPeer() { return peer; }
    public void setPeer(String peer) { this.peer = peer; }
}
