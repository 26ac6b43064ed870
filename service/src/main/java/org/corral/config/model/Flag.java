package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlType;

/** An element whose presence is the information: {@code <readonly/>}, {@code <privnet/>}. */
@XmlType(propOrder = {"extra"})
public class Flag extends Extensible {
}
