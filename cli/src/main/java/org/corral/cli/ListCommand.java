package org.corral.cli;

import java.util.List;

import org.corral1.ContainerEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** virsh list: Manager.ListContainers plus each active container's Leader property. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the active containers (with --all: every one).",
            "A table of Id, Name and State; Id is the host PID of the container's init, \"-\" when it is not running. "
                + "Active: starting, running or stopping."})
final class ListCommand extends Verb {
    @Option(names = "--all", description = "List every container, also those shut off.")
    boolean all;

    @Option(names = "--name", description = "Print only the names, one per line.")
    boolean namesOnly;

    /** States of a container that has (or is about to have, or still has) processes. */
    static boolean active(String state) {
        return !state.equals("shutoff") && !state.equals("crashed");
    }

    @Override
    int run(Bus bus) {
        List<ContainerEntry> entries = bus.manager().ListContainers();
        Table t = new Table("Id", "Name", "State");
        StringBuilder names = new StringBuilder();
        for (ContainerEntry e : entries) {
            boolean active = active(e.getState());
            if (!all && !active) {
                continue;
            }
            if (namesOnly) {
                names.append(e.getName()).append('\n');
                continue;
            }
            String id = "-";
            if (active) {
                id = leader(bus, e.getPath().getPath());
            }
            t.add(id, e.getName(), e.getState());
        }
        out().print(namesOnly ? names : t.render() + "\n");
        return 0;
    }

    private static String leader(Bus bus, String path) {
        try {
            Object v = bus.containerProperty(path, "Leader");
            String s = String.valueOf(v);
            return s.equals("0") ? "-" : s;
        } catch (BusError e) {
            // gone or stopped meanwhile
            return "-";
        }
    }
}
