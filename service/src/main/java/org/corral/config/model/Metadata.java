package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlType;
import java.util.List;
import org.w3c.dom.Element;

/** {@code <metadata>}: applications' own elements, each in its own namespace, kept as raw DOM. */
@XmlType(propOrder = {"extra"})
public class Metadata extends Extensible {

    /** The application elements, in input order. */
    public List<Element> getElements() {
        return getExtra();
    }
}
