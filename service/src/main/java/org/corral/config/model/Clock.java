package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/** {@code <clock offset>}; timers only matter with offset='localtime' (rtc, hpet device nodes). */
@XmlType(propOrder = {"timers", "extra"})
public class Clock extends Extensible {

    @XmlAttribute
    private String offset;
    @XmlAttribute
    private String timezone;
    @XmlAttribute
    private String adjustment;
    @XmlAttribute
    private String basis;
    @XmlElement(name = "timer")
    private List<Timer> timers;

    public Clock() {
    }

    public Clock(String offset) {
        this.offset = offset;
    }

    public String getOffset() { return offset; }
    public void setOffset(String offset) { this.offset = offset; }
    public String getTimezone() { return timezone; }
    public String getAdjustment() { return adjustment; }
    public String getBasis() { return basis; }

    public List<Timer> getTimers() {
        if (timers == null) {
            timers = new ArrayList<>();
        }
        return timers;
    }
}
