package org.corral.audit;

import org.corral.config.model.Chardev;
import org.corral.config.model.Domain;
import org.corral.config.model.Filesystem;
import org.corral.config.model.Interface;

/**
 * The records libvirt's LXC driver writes for a container's life, with its field names:
 * resources and op=start when it starts (success or failure), op=init once init runs,
 * op=stop when it ends.
 */
public final class ContainerAudit {

    private final AuditLog log;

    public ContainerAudit(AuditLog log) {
        this.log = log;
    }

    /** Before the start result: the resources given to the container, then op=start. */
    public void start(Domain d, int supervisorPid, String reason, boolean success) {
        String vm = vm(d);
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            String src = fs.getSource() == null ? "?" : firstNonNull(fs.getSource().getDir(), fs.getSource().getFile(),
                    fs.getSource().getDev(), fs.getType());
            log.record(AuditLog.VIRT_RESOURCE, "virt=lxc resrc=fs reason=start " + vm + " old-fs=\"?\" new-fs="
                    + AuditLog.encode(src), success);
        }
        for (Interface i : d.getDevices().getInterfaces()) {
            log.record(AuditLog.VIRT_RESOURCE, "virt=lxc resrc=net reason=start " + vm + " old-net=? new-net="
                    + (i.getMacAddress() == null ? "?" : i.getMacAddress()), success);
        }
        for (Chardev c : d.getDevices().getConsoles()) {
            log.record(AuditLog.VIRT_RESOURCE, "virt=lxc resrc=chardev reason=start " + vm + " old-chardev=? new-chardev="
                    + AuditLog.encode(c.getType() == null ? "pty" : c.getType()), success);
        }
        log.record(AuditLog.VIRT_RESOURCE, "virt=lxc resrc=mem reason=start " + vm + " old-mem=0 new-mem="
                + d.getMemoryKiB(), success);
        log.record(AuditLog.VIRT_RESOURCE, "virt=lxc resrc=vcpu reason=start " + vm + " old-vcpu=0 new-vcpu="
                + (d.getVcpu() == null ? 1 : d.getVcpu().getCount()), success);
        log.record(AuditLog.VIRT_CONTROL, "virt=lxc op=start reason=" + reason + " " + vm + " vm-pid="
                + (success ? supervisorPid : -1), success);
        // No security driver: the label record says so, as libvirt's does with model=none.
        log.record(AuditLog.VIRT_MACHINE_ID, "virt=lxc " + vm + " vm-ctx=? img-ctx=? model=none", success);
    }

    public void init(Domain d, int supervisorPid, int initPid, long pidNamespace) {
        log.record(AuditLog.VIRT_CONTROL, "virt=lxc op=init reason=? " + vm(d) + " vm-pid=" + supervisorPid
                + " init-pid=" + initPid + " pid-ns=" + pidNamespace, true);
    }

    public void stop(Domain d, String reason) {
        log.record(AuditLog.VIRT_CONTROL, "virt=lxc op=stop reason=" + reason + " " + vm(d) + " vm-pid=-1", true);
    }

    private static String vm(Domain d) {
        return "vm=" + AuditLog.encode(d.getName()) + " uuid=" + d.getUuid();
    }

    private static String firstNonNull(String... values) {
        for (String v : values) {
            if (v != null) {
                return v;
            }
        }
        return "?";
    }
}
