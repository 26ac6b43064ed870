package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/** {@code <blkiotune>}: block I/O cgroup weight and per-device limits. */
@XmlType(propOrder = {"weight", "devices", "extra"})
public class Blkiotune extends Extensible {

    private String weight;
    @XmlElement(name = "device")
    private List<BlkioDevice> devices;

    /** The weight (100..1000), or null when not set. */
    public Integer getWeight() { return weight == null ? null : Integer.valueOf(weight.trim()); }
    public String getWeightText() { return weight; }
    public void setWeight(Integer weight) { this.weight = weight == null ? null : weight.toString(); }

    public List<BlkioDevice> getDevices() {
        if (devices == null) {
            devices = new ArrayList<>();
        }
        return devices;
    }
}
