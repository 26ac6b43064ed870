package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlType;

/** {@code <features>}: the two the LXC driver knows; others (acpi, ...) are kept as extras. */
@XmlType(propOrder = {"privnet", "capabilities", "extra"})
public class Features extends Extensible {

    private Flag privnet;
    private Capabilities capabilities;

    public boolean isPrivnet() { return privnet != null; }
    public void setPrivnet(boolean on) { this.privnet = on ? new Flag() : null; }
    public Capabilities getCapabilities() { return capabilities; }
    public void setCapabilities(Capabilities capabilities) { this.capabilities = capabilities; }
}
