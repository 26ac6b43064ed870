package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <filesystem><driver type='loop|nbd' format='raw|qcow2'/>} for image files. */
@XmlType(propOrder = {"extra"})
public class FilesystemDriver extends Extensible {

    @XmlAttribute
    private String type;
    @XmlAttribute
    private String format;
    @XmlAttribute
    private String wrpolicy;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getFormat() { return format; }
    public void setFormat(String format) { this.format = format; }
    public String getWrpolicy() { return wrpolicy; }
}
