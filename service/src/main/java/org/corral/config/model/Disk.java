package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/** {@code <disk type='block|file' device='disk'>}: a block device node made inside the container. */
@XmlType(propOrder = {"driver", "source", "target", "readonly", "extra"})
public class Disk extends Extensible {

    @XmlAttribute
    private String type;
    @XmlAttribute
    private String device;
    private Driver driver;
    private Source source;
    private Target target;
    private Flag readonly;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getDevice() { return device; }
    public void setDevice(String device) { this.device = device; }
    public Driver getDriver() { return driver; }
    public void setDriver(Driver driver) { this.driver = driver; }
    public Source getSource() { return source; }
    public void setSource(Source source) { this.source = source; }
    public Target getTarget() { return target; }
    public void setTarget(Target target) { this.target = target; }
    public boolean isReadonly() { return readonly != null; }
    public void setReadonly(boolean on) { this.readonly = on ? new Flag() : null; }

    /** {@code <driver name type/>}. */
    @XmlType(name = "diskDriver", propOrder = {"extra"})
    public static class Driver extends Extensible {
        @XmlAttribute
        private String name;
        @XmlAttribute
        private String type;

        public String getName() { return name; }
        public String getType() { return type; }
    }

    /** {@code <source file|dev|dir/>}. */
    @XmlType(name = "diskSource", propOrder = {"extra"})
    public static class Source extends Extensible {
        @XmlAttribute
        private String file;
        @XmlAttribute
        private String dev;
        @XmlAttribute
        private String dir;

        public String getFile() { return file; }
        public String getDev() { return dev; }
        public String getDir() { return dir; }
    }

    /** {@code <target dev bus/>}. */
    @XmlType(name = "diskTarget", propOrder = {"extra"})
    public static class Target extends Extensible {
        @XmlAttribute
        private String dev;
        @XmlAttribute
        private String bus;

        public String getDev() { return dev; }
        public String getBus() { return bus; }
    }
}
