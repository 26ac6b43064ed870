package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlValue;

/**
 * A memory amount: {@code <memory>}, {@code <currentMemory>}, {@code <maxMemory>} and the
 * {@code <memtune>} limits. After parsing the value is in KiB and the unit is {@code KiB}.
 */
public class MemorySize extends Located {

    /** Only on {@code <maxMemory>}; libvirt writes it before {@code unit}. */
    @XmlAttribute
    private String slots;

    @XmlAttribute
    private String unit;

    /** Only on {@code <memory>}; libvirt writes it after {@code unit}. */
    @XmlAttribute
    private String dumpCore;

    @XmlValue
    private String value;

    public MemorySize() {
    }

    public MemorySize(long kib) {
        setKiB(kib);
    }

    /** The amount in KiB (valid after {@code DomainXml.parse}). */
    public long getKiB() { return Long.parseLong(value.trim()); }

    public void setKiB(long kib) {
        this.value = Long.toString(kib);
        this.unit = "KiB";
    }

    public String getSlots() { return slots; }
    public void setSlots(String slots) { this.slots = slots; }
    public String getUnit() { return unit; }
    public void setUnit(String unit) { this.unit = unit; }
    public String getDumpCore() { return dumpCore; }
    public void setDumpCore(String dumpCore) { this.dumpCore = dumpCore; }
    /** The raw text as written (before normalisation it may be in another unit). */
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
}
