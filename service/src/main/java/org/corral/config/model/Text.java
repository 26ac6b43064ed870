package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlValue;

/** A text-only element whose position matters for error messages ({@code <name>}, {@code <uuid>}). */
public class Text extends Located {

    @XmlValue
    private String value;

    public Text() {
    }

    public Text(String value) {
        this.value = value;
    }

    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
}
