/**
 * JAXB classes for libvirt's {@code <domain type='lxc'>} XML, one class per element type.
 *
 * <p>Fields are bound directly ({@link jakarta.xml.bind.annotation.XmlAccessType#FIELD}) so that
 * getters can offer typed views (numbers, KiB) without JAXB seeing them. Element order is fixed
 * by each class's {@code propOrder}; attribute order is the field declaration order, which the
 * libvirt-style writer keeps. Numbers are stored as the text libvirt wrote and checked by
 * {@code org.corral.config.DomainValidator}, so the typed getters never see bad input.
 */
@XmlSchema(xmlns = @XmlNs(prefix = "lxc", namespaceURI = LxcNamespace.URI))
@XmlAccessorType(XmlAccessType.FIELD)
package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlNs;
import jakarta.xml.bind.annotation.XmlSchema;
