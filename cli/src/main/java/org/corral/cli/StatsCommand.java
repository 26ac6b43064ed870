package org.corral.cli;

import java.util.Map;

import org.freedesktop.dbus.types.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** virsh domstats, reduced: Container.GetStats, one "name value" line per figure. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Print a running container's resource figures.",
            "One \"name value\" line each: cpu.time (ns), memory.current/limit/peak (bytes), block.* and net.* "
                + "(bytes, ops, packets), processes."})
final class StatsCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Option(names = {"-H", "--human"}, description = "Bytes in KiB/MiB/GiB, CPU time in seconds.")
    boolean human;

    @Override
    int run(Bus bus) {
        Map<String, Variant<?>> stats = bus.container(bus.containerPath(name)).GetStats();
        StringBuilder b = new StringBuilder();
        for (String n : Units.orderedNames(stats)) {
            Variant<?> v = stats.get(n);
            b.append(n).append(' ').append(human ? Units.human(n, v) : Units.raw(v)).append('\n');
        }
        out().print(b);
        return 0;
    }
}
