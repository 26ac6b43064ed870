package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <target dir='/path'/>} of a filesystem. */
@XmlType(propOrder = {"extra"})
public class PathTarget extends Extensible {

    @XmlAttribute
    private String dir;

    public PathTarget() {
    }

    public PathTarget(String dir) {
        this.dir = dir;
    }

    public String getDir() { return dir; }
    public void setDir(String dir) { this.dir = dir; }
}
