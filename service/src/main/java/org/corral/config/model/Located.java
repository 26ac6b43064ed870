package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAnyAttribute;
import jakarta.xml.bind.annotation.XmlTransient;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.namespace.QName;
import org.glassfish.jaxb.core.annotation.XmlLocation;
import org.xml.sax.Locator;

/**
 * Base of every element class: remembers where the element was in the input (for error
 * messages) and keeps attributes the model does not know, so that nothing is dropped on a
 * round trip.
 */
@XmlTransient
public abstract class Located {

    @XmlLocation
    @XmlTransient
    private Locator locator;

    @XmlAnyAttribute
    private Map<QName, String> otherAttributes;

    /** Where the element's start tag ended in the parsed input, or null if built in code. */
    public Locator locator() {
        return locator;
    }

    /** Attributes libvirt may know but corral does not interpret; kept verbatim. */
    public Map<QName, String> getOtherAttributes() {
        if (otherAttributes == null) {
            otherAttributes = new LinkedHashMap<>();
        }
        return otherAttributes;
    }
}
