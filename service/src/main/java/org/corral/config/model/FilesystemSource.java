package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/**
 * {@code <filesystem><source>}: {@code dir} (mount, bind), {@code file} (file), {@code dev}
 * (block) or {@code usage}+{@code units} (ram; normalised to KiB).
 */
@XmlType(propOrder = {"extra"})
public class FilesystemSource extends Extensible {

    @XmlAttribute
    private String dir;
    @XmlAttribute
    private String file;
    @XmlAttribute
    private String dev;
    @XmlAttribute
    private String name;
    @XmlAttribute
    private String usage;
    @XmlAttribute
    private String units;

    public String getDir() { return dir; }
    public void setDir(String dir) { this.dir = dir; }
    public String getFile() { return file; }
    public void setFile(String file) { this.file = file; }
    public String getDev() { return dev; }
    public void setDev(String dev) { this.dev = dev; }
    public String getName() { return name; }
    public String getUsage() { return usage; }
    public String getUnits() { return units; }

    /** RAM filesystem size in KiB (valid after parsing), or null. */
    public Long getUsageKiB() { return usage == null ? null : Long.valueOf(usage.trim()); }

    public void setUsageKiB(long kib) {
        this.usage = Long.toString(kib);
        this.units = "KiB";
    }
}
