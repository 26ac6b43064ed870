package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <console type='pty'>} or {@code <serial type='pty'>} with {@code <target type='lxc' port='N'/>}. */
@XmlType(propOrder = {"source", "target", "extra"})
public class Chardev extends Extensible {

    @XmlAttribute
    private String type;
    /** Host PTY path; only in live XML. */
    @XmlAttribute
    private String tty;
    private Source source;
    private Target target;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getTty() { return tty; }
    public void setTty(String tty) { this.tty = tty; }
    public Source getSource() { return source; }
    public void setSource(Source source) { this.source = source; }
    public Target getTarget() { return target; }
    public void setTarget(Target target) { this.target = target; }

    /** {@code <source path/>}. */
    @XmlType(name = "chardevSource", propOrder = {"extra"})
    public static class Source extends Extensible {
        @XmlAttribute
        private String path;

        public String getPath() { return path; }
        public void setPath(String path) { this.path = path; }
    }

    /** {@code <target type port/>}. */
    @XmlType(name = "chardevTarget", propOrder = {"extra"})
    public static class Target extends Extensible {
        @XmlAttribute
        private String type;
        @XmlAttribute
        private String port;

        public Target() {
        }

        public Target(String type, int port) {
            this.type = type;
            this.port = Integer.toString(port);
        }

        public String getType() { return type; }
        public void setType(String type) { this.type = type; }
        public Integer getPort() { return port == null ? null : Integer.valueOf(port.trim()); }
        public String getPortText() { return port; }
        public void setPort(Integer port) { this.port = port == null ? null : port.toString(); }
    }
}
