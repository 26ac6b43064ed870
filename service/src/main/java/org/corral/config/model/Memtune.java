package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <memtune>}: memory cgroup limits, all normalised to KiB. */
@XmlType(propOrder = {"hardLimit", "softLimit", "swapHardLimit", "minGuarantee", "extra"})
public class Memtune extends Extensible {

    @XmlElement(name = "hard_limit")
    private MemorySize hardLimit;
    @XmlElement(name = "soft_limit")
    private MemorySize softLimit;
    @XmlElement(name = "swap_hard_limit")
    private MemorySize swapHardLimit;
    /** Parsed and kept; libvirt's LXC driver does not apply it. */
    @XmlElement(name = "min_guarantee")
    private MemorySize minGuarantee;

    public MemorySize getHardLimit() { return hardLimit; }
    public void setHardLimit(MemorySize v) { this.hardLimit = v; }
    public MemorySize getSoftLimit() { return softLimit; }
    public void setSoftLimit(MemorySize v) { this.softLimit = v; }
    public MemorySize getSwapHardLimit() { return swapHardLimit; }
    public void setSwapHardLimit(MemorySize v) { this.swapHardLimit = v; }
    public MemorySize getMinGuarantee() { return minGuarantee; }
    public void setMinGuarantee(MemorySize v) { this.minGuarantee = v; }
}
