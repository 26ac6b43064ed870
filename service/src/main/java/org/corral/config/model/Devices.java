package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/** {@code <devices>} in libvirt's order; unknown devices (graphics, video, ...) are kept last. */
@XmlType(propOrder = {"emulator", "disks", "filesystems", "interfaces", "serials", "consoles", "hostdevs", "extra"})
public class Devices extends Extensible {

    private String emulator;
    @XmlElement(name = "disk")
    private List<Disk> disks;
    @XmlElement(name = "filesystem")
    private List<Filesystem> filesystems;
    @XmlElement(name = "interface")
    private List<Interface> interfaces;
    @XmlElement(name = "serial")
    private List<Chardev> serials;
    @XmlElement(name = "console")
    private List<Chardev> consoles;
    @XmlElement(name = "hostdev")
    private List<Hostdev> hostdevs;

    /** Path of the per-container supervisor program. */
    public String getEmulator() { return emulator; }
    public void setEmulator(String emulator) { this.emulator = emulator; }
    public List<Disk> getDisks() { return disks == null ? (disks = new ArrayList<>()) : disks; }
    public List<Filesystem> getFilesystems() { return filesystems == null ? (filesystems = new ArrayList<>()) : filesystems; }
    public List<Interface> getInterfaces() { return interfaces == null ? (interfaces = new ArrayList<>()) : interfaces; }
    public List<Chardev> getSerials() { return serials == null ? (serials = new ArrayList<>()) : serials; }
    public List<Chardev> getConsoles() { return consoles == null ? (consoles = new ArrayList<>()) : consoles; }
    public List<Hostdev> getHostdevs() { return hostdevs == null ? (hostdevs = new ArrayList<>()) : hostdevs; }
}
