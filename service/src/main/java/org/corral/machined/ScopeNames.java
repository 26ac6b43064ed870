package org.corral.machined;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.corral.launcher.cgroup.CgroupManager;

/**
 * systemd's names for what machined makes: the machine's scope unit, and the slice a libvirt
 * partition becomes, with the cgroup path of each.
 */
final class ScopeNames {

    /** libvirt's default partition, which is machined's own machine.slice. */
    static final String DEFAULT_PARTITION = "/machine";

    private ScopeNames() {
    }

    /** machined's unit for a machine: machine-NAME.scope, NAME escaped as systemd escapes. */
    static String scopeUnit(String name) {
        return "machine-" + CgroupManager.unitNameEscape(name) + ".scope";
    }

    /** A partition as a slice, as libvirt maps them: /machine is machine.slice, /machine/a machine-a.slice. */
    static String sliceUnit(String partition) {
        List<String> parts = new ArrayList<>();
        for (String p : partition.split("/")) {
            if (!p.isEmpty()) {
                parts.add(CgroupManager.unitNameEscape(p));
            }
        }
        return String.join("-", parts) + ".slice";
    }

    /** The cgroup path of a slice: systemd nests a-b.slice in a.slice. */
    static String sliceCgroup(String partition) {
        String unit = sliceUnit(partition);
        String[] parts = unit.substring(0, unit.length() - ".slice".length()).split("-");
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            path.append('/').append(String.join("-", Arrays.copyOf(parts, i + 1))).append(".slice");
        }
        return path.toString();
    }
}
