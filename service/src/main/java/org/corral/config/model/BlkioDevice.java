package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <blkiotune><device>}: limits for one block device; numbers as written (validated). */
@XmlType(propOrder = {"path", "weight", "readIopsSec", "writeIopsSec", "readBytesSec", "writeBytesSec", "extra"})
public class BlkioDevice extends Extensible {

    private String path;
    private String weight;
    @XmlElement(name = "read_iops_sec")
    private String readIopsSec;
    @XmlElement(name = "write_iops_sec")
    private String writeIopsSec;
    @XmlElement(name = "read_bytes_sec")
    private String readBytesSec;
    @XmlElement(name = "write_bytes_sec")
    private String writeBytesSec;

    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
    public Long getWeight() { return toLong(weight); }
    public Long getReadIopsSec() { return toLong(readIopsSec); }
    public Long getWriteIopsSec() { return toLong(writeIopsSec); }
    public Long getReadBytesSec() { return toLong(readBytesSec); }
    public Long getWriteBytesSec() { return toLong(writeBytesSec); }

    /** The raw texts, in libvirt's order, for validation. */
    public String[] numberTexts() {
        return new String[] {weight, readIopsSec, writeIopsSec, readBytesSec, writeBytesSec};
    }

    static Long toLong(String s) {
        return s == null ? null : Long.valueOf(s.trim());
    }
}
