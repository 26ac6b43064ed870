package org.corral.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
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
 * messages and exit statuses stay picocli's; and it talks to the bus through {@link DirectBus},
 * not dbus-java, when the address is a plain socket path. This class must not touch picocli.
 */
final class ContainerList {
    private ContainerList() {
    }

    /** States of a container that has (or is about to have, or still has) processes. */
    static boolean active(String state) {
        return !state.equals("shutoff") && !state.equals("crashed");
    }

    /** Where the figures come from: dbus-java's {@link Bus}, or {@link DirectBus} on the fast path. */
    interface Source {
        /** (name, uuid, state, object path) per container, sorted by name. */
        List<String[]> containers();

        /** Each container's Leader, "-" for none, in the order of {@code paths}. */
        List<String> leaders(List<String> paths);
    }

    static Source of(Bus bus) {
        return new Source() {
            @Override
            public List<String[]> containers() {
                List<String[]> out = new ArrayList<>();
                for (ContainerEntry e : bus.manager().ListContainers()) {
                    out.add(new String[] {e.getName(), e.getUuid(), e.getState(), e.getPath().getPath()});
                }
                return out;
            }

            @Override
            public List<String> leaders(List<String> paths) {
                List<String> out = new ArrayList<>();
                for (String path : paths) {
                    try {
                        String s = String.valueOf(bus.containerProperty(path, "Leader"));
                        out.add(s.equals("0") ? "-" : s);
                    } catch (BusError e) {
                        out.add("-"); // gone or stopped meanwhile
                    }
                }
                return out;
            }
        };
    }

    /** Prints the table (or only the names) to {@code out}; returns the exit status. */
    static int print(Source source, boolean all, boolean namesOnly, PrintStream out) {
        List<String[]> shown = new ArrayList<>();
        for (String[] e : source.containers()) {
            if (all || active(e[2])) {
                shown.add(e);
            }
        }
        if (namesOnly) {
            StringBuilder names = new StringBuilder();
            shown.forEach(e -> names.append(e[0]).append('\n'));
            out.print(names);
            return 0;
        }
        List<String> activePaths = new ArrayList<>();
        shown.stream().filter(e -> active(e[2])).forEach(e -> activePaths.add(e[3]));
        Iterator<String> leaders = source.leaders(activePaths).iterator();
        Table t = new Table("Id", "Name", "State");
        for (String[] e : shown) {
            t.add(active(e[2]) ? leaders.next() : "-", e[0], e[2]);
        }
        out.print(t.render() + "\n");
        return 0;
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
        String address = Bus.address(bus, env);
        try (DirectBus direct = DirectBus.connectIfSimple(address)) {
            if (direct != null) {
                return print(direct, all, namesOnly, out);
            }
            try (Bus connection = Bus.connect(address)) {
                return print(of(connection), all, namesOnly, out);
            }
        } catch (RuntimeException e) {
            new ErrorPrinter(err).print(e, verbose);
            return ErrorPrinter.FAILED;
        }
    }
}
