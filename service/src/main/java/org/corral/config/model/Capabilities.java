package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.w3c.dom.Element;

/**
 * {@code <features><capabilities policy='default|allow|deny'>} with children named after Linux
 * capabilities ({@code <mknod state='on'/>}).
 *
 * <p>The element name is the data here, which JAXB cannot bind to a field without one class or
 * declaration per capability; the children are therefore kept as DOM and exposed through
 * {@link #getStates()}. The validator checks names and states, the writer sorts them into
 * libvirt's order.
 */
@XmlType(propOrder = {"entries"})
public class Capabilities extends Located {

    /** Capability names in the order libvirt knows and writes them. */
    public static final List<String> NAMES = List.of(
            "audit_control", "audit_write", "block_suspend", "chown", "dac_override",
            "dac_read_search", "fowner", "fsetid", "ipc_lock", "ipc_owner", "kill", "lease",
            "linux_immutable", "mac_admin", "mac_override", "mknod", "net_admin",
            "net_bind_service", "net_broadcast", "net_raw", "setgid", "setfcap", "setpcap",
            "setuid", "sys_admin", "sys_boot", "sys_chroot", "sys_module", "sys_nice",
            "sys_pacct", "sys_ptrace", "sys_rawio", "sys_resource", "sys_time",
            "sys_tty_config", "syslog", "wake_alarm");

    @XmlAttribute
    private String policy;

    @XmlAnyElement
    private List<Element> entries;

    public String getPolicy() { return policy; }
    public void setPolicy(String policy) { this.policy = policy; }

    /** The raw child elements (one per capability). */
    public List<Element> getEntries() {
        if (entries == null) {
            entries = new ArrayList<>();
        }
        return entries;
    }

    /** Capability name to {@code true} (state='on') or {@code false} (state='off'), in input order. */
    public Map<String, Boolean> getStates() {
        Map<String, Boolean> states = new LinkedHashMap<>();
        for (Element e : getEntries()) {
            states.put(e.getLocalName(), "on".equals(e.getAttribute("state")));
        }
        return states;
    }
}
