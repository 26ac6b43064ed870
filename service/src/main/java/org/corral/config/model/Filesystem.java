package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;

/**
 * {@code <filesystem type='mount|bind|ram|block|file' accessmode>}: one mount in the container.
 * {@code target dir='/'} makes it the root filesystem.
 */
@XmlType(propOrder = {"driver", "source", "target", "readonly", "extra"})
public class Filesystem extends Extensible {

    @XmlAttribute
    private String type;
    @XmlAttribute
    private String accessmode;
    private FilesystemDriver driver;
    private FilesystemSource source;
    private PathTarget target;
    private Flag readonly;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getAccessmode() { return accessmode; }
    public void setAccessmode(String accessmode) { this.accessmode = accessmode; }
    public FilesystemDriver getDriver() { return driver; }
    public void setDriver(FilesystemDriver driver) { this.driver = driver; }
    public FilesystemSource getSource() { return source; }
    public void setSource(FilesystemSource source) { this.source = source; }
    public PathTarget getTarget() { return target; }
    public void setTarget(PathTarget target) { this.target = target; }
    public boolean isReadonly() { return readonly != null; }
    public void setReadonly(boolean on) { this.readonly = on ? new Flag() : null; }

    /** Convenience: the mount point inside the container, or null. */
    public String getTargetDir() { return target == null ? null : target.getDir(); }
}
