package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;

/**
 * {@code <lxc:namespace>}: namespaces to inherit from elsewhere instead of creating new ones.
 * Children are read with or without the {@code lxc:} prefix (the reader moves unprefixed ones
 * into the lxc namespace) and always written prefixed.
 */
@XmlType(propOrder = {"sharenet", "shareipc", "shareuts", "extra"})
public class LxcNamespace extends Extensible {

    /** libvirt's XML namespace for LXC-specific elements. */
    public static final String URI = "http://libvirt.org/schemas/domain/lxc/1.0";

    @XmlElement(namespace = URI)
    private Share sharenet;
    @XmlElement(namespace = URI)
    private Share shareipc;
    @XmlElement(namespace = URI)
    private Share shareuts;

    /** Network namespace: type netns (an ip-netns name), name (another container) or pid. */
    public Share getSharenet() { return sharenet; }
    public void setSharenet(Share sharenet) { this.sharenet = sharenet; }
    /** IPC namespace: type name or pid. */
    public Share getShareipc() { return shareipc; }
    public void setShareipc(Share shareipc) { this.shareipc = shareipc; }
    /** UTS namespace: type name or pid. */
    public Share getShareuts() { return shareuts; }
    public void setShareuts(Share shareuts) { this.shareuts = shareuts; }

    /** {@code <lxc:shareX type value/>}. */
    @XmlType(name = "lxcShare", propOrder = {"extra"})
    public static class Share extends Extensible {
        @jakarta.xml.bind.annotation.XmlAttribute
        private String type;
        @jakarta.xml.bind.annotation.XmlAttribute
        private String value;

        public Share() {
        }

        public Share(String type, String value) {
            this.type = type;
            this.value = value;
        }

        public String getType() { return type; }
        public String getValue() { return value; }
    }
}
