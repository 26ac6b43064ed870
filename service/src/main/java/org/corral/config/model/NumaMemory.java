package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <numatune><memory mode nodeset placement/>}. */
@XmlType(propOrder = {"extra"})
public class NumaMemory extends Extensible {

    @XmlAttribute
    private String mode;
    @XmlAttribute
    private String nodeset;
    @XmlAttribute
    private String placement;

    public String getMode() { return mode; }
    public void setMode(String mode) { this.mode = mode; }
    public String getNodeset() { return nodeset; }
    public void setNodeset(String nodeset) { this.nodeset = nodeset; }
    public String getPlacement() { return placement; }
    public void setPlacement(String placement) { this.placement = placement; }
}
