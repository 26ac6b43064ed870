package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlTransient;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;

/**
 * Base of element classes with children: child elements the model does not know (libvirt
 * accepts many that LXC ignores, such as {@code <graphics>} or {@code <alias>}) are kept as raw
 * DOM and written back after the known children, never dropped silently.
 */
@XmlTransient
public abstract class Extensible extends Located {

    @XmlAnyElement
    private List<Element> extra;

    /** Unknown child elements, in input order; written after the known ones. */
    public List<Element> getExtra() {
        if (extra == null) {
            extra = new ArrayList<>();
        }
        return extra;
    }
}
