package org.corral.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import org.corral1.ContainerEntry;

/**
 * {@code corralctl list}: Manager.ListContainers plus each active container's Leader property,
 * as virsh list prints it.
 *
 * <p>It is also the one verb with a fast path around picocli: {@code list} is what scripts and
 * unit files run most, and building picocli's command model costs about 70 ms of the start-up
 * (docs/benchmarks.md). {@link #runIfPlain} handles exactly the command lines it fully
 * understands and leaves every other one (help, typos, repeated options) to picocli, so the
 * messages and exit statuses stay picocli's. This class must not touch picocli.
 */
final class ContainerList {
    private ContainerList() {
    }

    /** States of a container that has (or is about to have, or still has) processes. */
    static boolean active(String state) {
        return !state.equals("shutoff") && !state.equals("crashed");
    }

    /** Prints the table (or only the names) to {@code out}; returns the exit status. */
    static int print(Bus bus, boolean all, boolean namesOnly, PrintStream out) {
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
            String id = active ? leader(bus, e.getPath().getPath()) : "-";
            t.add(id, e.getName(), e.getState());
        }
        out.print(namesOnly ? names : t.render() + "\n");
        return 0;
    }

    private static String leader(Bus bus, String path) {
        try {
            String s = String.valueOf(bus.containerProperty(path, "Leader"));
            return s.equals("0") ? "-" : s;
        } catch (BusError e) {
            // gone or stopped meanwhile
            return "-";
        }
    }

    /**
     * Runs {@code list} when {@code args} is "list" with at most one each of --all, --name,
     * --bus ADDRESS / --bus=ADDRESS and -v/--verbose (the verb's options after the verb, as
     * picocli requires); returns null for any other command line.
     */
    static Integer runIfPlain(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean verb = false;
        boolean all = false;
        boolean namesOnly = false;
        boolean verbose = false;
        String bus = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("list") && !verb) {
                verb = true;
            } else if (a.equals("--all") && verb && !all) {
                all = true;
            } else if (a.equals("--name") && verb && !namesOnly) {
                namesOnly = true;
            } else if ((a.equals("-v") || a.equals("--verbose")) && !verbose) {
                verbose = true;
            } else if (a.equals("--bus") && bus == null && i + 1 < args.length) {
                bus = args[++i];
            } else if (a.startsWith("--bus=") && bus == null) {
                bus = a.substring("--bus=".length());
            } else {
                return null;
            }
        }
        if (!verb) {
            return null;
        }
        try (Bus connection = Bus.connect(Bus.address(bus, env))) {
            return print(connection, all, namesOnly, out);
        } catch (RuntimeException e) {
            new ErrorPrinter(err).print(e, verbose);
            return ErrorPrinter.FAILED;
        }
    }
}
