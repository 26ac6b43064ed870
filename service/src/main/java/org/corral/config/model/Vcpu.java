package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlValue;

/** {@code <vcpu placement cpuset current>N</vcpu>}; the count is informational for LXC. */
public class Vcpu extends Located {

    @XmlAttribute
    private String placement;
    @XmlAttribute
    private String cpuset;
    @XmlAttribute
    private String current;
    @XmlValue
    private String value;

    public Vcpu() {
    }

    public Vcpu(String placement, int count) {
        this.placement = placement;
        this.value = Integer.toString(count);
    }

    public int getCount() { return Integer.parseInt(value.trim()); }
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
    public String getPlacement() { return placement; }
    public void setPlacement(String placement) { this.placement = placement; }
    public String getCpuset() { return cpuset; }
    public void setCpuset(String cpuset) { this.cpuset = cpuset; }
    public String getCurrent() { return current; }
    public void setCurrent(String current) { this.current = current; }
}
