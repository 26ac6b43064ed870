package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlValue;

/** {@code <initenv name='NAME'>value</initenv>}: one environment variable for init. */
public class Initenv extends Located {

    @XmlAttribute
    private String name;
    @XmlValue
    private String value;

    public Initenv() {
    }

    public Initenv(String name, String value) {
        this.name = name;
        this.value = value;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
}
