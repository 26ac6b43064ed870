package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <seclabel type model relabel>} with optional label, imagelabel, baselabel. */
@XmlType(propOrder = {"label", "imagelabel", "baselabel", "extra"})
public class Seclabel extends Extensible {

    @XmlAttribute
    private String type;
    @XmlAttribute
    private String model;
    @XmlAttribute
    private String relabel;
    private String label;
    private String imagelabel;
    private String baselabel;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getModel() { return model; }
    public void setModel(String model) { this.model = model; }
    public String getRelabel() { return relabel; }
    public void setRelabel(String relabel) { this.relabel = relabel; }
    public String getLabel() { return label; }
    public void setLabel(String label) { this.label = label; }
    public String getImagelabel() { return imagelabel; }
    public String getBaselabel() { return baselabel; }
}
