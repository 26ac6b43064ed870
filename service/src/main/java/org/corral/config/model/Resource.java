package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlType;

/** {@code <resource><partition>}: the machined slice; libvirt fills /machine at start only. */
@XmlType(propOrder = {"partition", "extra"})
public class Resource extends Extensible {

    private String partition;

    public String getPartition() { return partition; }
    public void setPartition(String partition) { this.partition = partition; }
}
