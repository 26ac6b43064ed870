package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlType;

/** {@code <numatune>}; only {@code <memory>} is interpreted, other children are kept. */
@XmlType(propOrder = {"memory", "extra"})
public class Numatune extends Extensible {

    private NumaMemory memory;

    public NumaMemory getMemory() { return memory; }
    public void setMemory(NumaMemory memory) { this.memory = memory; }
}
