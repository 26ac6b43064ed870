package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <route family address prefix gateway metric/>}. */
@XmlType(propOrder = {"extra"})
public class Route extends Extensible {

    @XmlAttribute
    private String family;
    @XmlAttribute
    private String address;
    @XmlAttribute
    private String netmask;
    @XmlAttribute
    private String prefix;
    @XmlAttribute
    private String gateway;
    @XmlAttribute
    private String metric;

    public String getFamily() { return family; }
    public String getAddress() { return address; }
    public String getNetmask() { return netmask; }
    public Integer getPrefix() { return prefix == null ? null : Integer.valueOf(prefix.trim()); }
    public String getPrefixText() { return prefix; }
    public String getGateway() { return gateway; }
    public Long getMetric() { return metric == null ? null : Long.valueOf(metric.trim()); }
    public String getMetricText() { return metric; }
}
