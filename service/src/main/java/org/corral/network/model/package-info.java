/**
 * JAXB classes for the subset of libvirt's network XML corral runs ({@code <network>} with
 * name, uuid, forward, bridge, mac and ip/dhcp/range). Fields are bound directly, attributes are
 * written in field order, unknown elements and attributes are kept as written (see
 * {@link org.corral.config.model.Extensible}) and values are checked by
 * {@code org.corral.network.NetworkXml}.
 */
@XmlAccessorType(XmlAccessType.FIELD)
package org.corral.network.model;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
