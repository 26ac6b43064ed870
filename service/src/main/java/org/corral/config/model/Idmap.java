package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/** {@code <idmap>}: user-namespace uid and gid maps (libvirt writes all uids, then all gids). */
@XmlType(propOrder = {"uids", "gids", "extra"})
public class Idmap extends Extensible {

    @XmlElement(name = "uid")
    private List<IdmapEntry> uids;
    @XmlElement(name = "gid")
    private List<IdmapEntry> gids;

    public List<IdmapEntry> getUids() {
        if (uids == null) {
            uids = new ArrayList<>();
        }
        return uids;
    }

    public List<IdmapEntry> getGids() {
        if (gids == null) {
            gids = new ArrayList<>();
        }
        return gids;
    }
}
