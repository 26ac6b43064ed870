package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlValue;

/** {@code <os><type arch='x86_64'>exe</type>}: containers are always {@code exe}. */
public class OsType extends Located {

    @XmlAttribute
    private String arch;
    @XmlAttribute
    private String machine;
    @XmlValue
    private String value;

    public String getArch() { return arch; }
    public void setArch(String arch) { this.arch = arch; }
    public String getMachine() { return machine; }
    public void setMachine(String machine) { this.machine = machine; }
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
}
