package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <clock><timer name present/>}. */
@XmlType(propOrder = {"extra"})
public class Timer extends Extensible {

    @XmlAttribute
    private String name;
    @XmlAttribute
    private String present;
    @XmlAttribute
    private String tickpolicy;
    @XmlAttribute
    private String track;
    @XmlAttribute
    private String mode;
    @XmlAttribute
    private String frequency;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    /** 'yes', 'no' or null (not given). */
    public String getPresent() { return present; }
    public void setPresent(String present) { this.present = present; }
    public String getTickpolicy() { return tickpolicy; }
    public String getTrack() { return track; }
    public String getMode() { return mode; }
    public String getFrequency() { return frequency; }
}
