package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** One {@code <uid start target count/>} or {@code <gid .../>} line of an {@link Idmap}. */
@XmlType(propOrder = {"extra"})
public class IdmapEntry extends Extensible {

    @XmlAttribute
    private String start;
    @XmlAttribute
    private String target;
    @XmlAttribute
    private String count;

    public IdmapEntry() {
    }

    public IdmapEntry(long start, long target, long count) {
        this.start = Long.toString(start);
        this.target = Long.toString(target);
        this.count = Long.toString(count);
    }

    public long getStart() { return Long.parseLong(start.trim()); }
    public long getTarget() { return Long.parseLong(target.trim()); }
    public long getCount() { return Long.parseLong(count.trim()); }

    /** The raw texts (start, target, count) for validation. */
    public String[] texts() {
        return new String[] {start, target, count};
    }
}
