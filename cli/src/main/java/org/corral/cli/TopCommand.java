package org.corral.cli;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.corral1.ContainerEntry;
import org.corral1.ContainerStats;
import org.freedesktop.dbus.types.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** virt-top, reduced: a refreshing table of Manager.GetAllStats. */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"Show the running containers' resource use, refreshed until Ctrl-C.",
            "CPU% (from cpu.time over the interval; 100 = one CPU), memory current/limit, block read/write, "
                + "network rx/tx (bytes since start) and the number of processes.",
            "Without a terminal on stdout it prints tables one after the other, as --batch does."})
final class TopCommand extends Verb {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    /** The first table needs two samples for CPU%: this far apart at most. */
    private static final double FIRST_INTERVAL = 0.5;

    @Option(names = "--once", description = "Print one table and exit.")
    boolean once;

    @Option(names = "--batch", description = "No screen control: print each table after the previous one (for scripts and logs).")
    boolean batch;

    @Option(names = {"-d", "--delay"}, paramLabel = "SEC", defaultValue = "3",
            description = "Seconds between tables (default ${DEFAULT-VALUE}).")
    double delay;

    @Option(names = {"-n", "--iterations"}, paramLabel = "N", description = "Exit after N tables.")
    Integer iterations;

    /** cpu.time (ns) and the monotonic clock (ns) of the previous sample, per container. */
    private final Map<String, long[]> previous = new HashMap<>();

    @Override
    int run(Bus bus) throws InterruptedException {
        if (delay <= 0 || Double.isNaN(delay)) {
            throw new ParameterException(spec.commandLine(), "--delay must be above 0");
        }
        if (iterations != null && iterations < 1) {
            throw new ParameterException(spec.commandLine(), "--iterations must be at least 1");
        }
        int limit = once ? 1 : iterations == null ? Integer.MAX_VALUE : iterations;
        boolean screen = !once && !batch && System.console() != null;
        Runtime.getRuntime().addShutdownHook(new Thread(bus::close, "corralctl-close"));

        sample(bus);
        sleep(Math.min(delay, FIRST_INTERVAL));
        for (int i = 0; i < limit; i++) {
            String table = render(bus);
            if (screen) {
                out().print("\033[H\033[2J" + table);
            } else {
                out().print((i > 0 ? "\n" : "") + table);
            }
            out().flush();
            if (i + 1 < limit) {
                sleep(delay);
            }
        }
        return 0;
    }

    private static void sleep(double seconds) throws InterruptedException {
        Thread.sleep(Math.max(1, Math.round(seconds * 1000)));
    }

    /** Takes a sample (and keeps it for the next CPU%); returns the stats per container. */
    private List<ContainerStats> sample(Bus bus) {
        List<ContainerStats> all = bus.manager().GetAllStats();
        long now = System.nanoTime();
        Map<String, long[]> next = new HashMap<>();
        for (ContainerStats s : all) {
            double cpu = Units.number(s.getStats(), "cpu.time");
            if (!Double.isNaN(cpu)) {
                next.put(s.getName(), new long[] {(long) cpu, now});
            }
        }
        lastCpuPercent.clear();
        for (Map.Entry<String, long[]> e : next.entrySet()) {
            long[] prev = previous.get(e.getKey());
            if (prev != null && e.getValue()[1] > prev[1] && e.getValue()[0] >= prev[0]) {
                lastCpuPercent.put(e.getKey(), 100.0 * (e.getValue()[0] - prev[0]) / (e.getValue()[1] - prev[1]));
            }
        }
        previous.clear();
        previous.putAll(next);
        return all;
    }

    private final Map<String, Double> lastCpuPercent = new HashMap<>();

    String render(Bus bus) {
        List<ContainerStats> all = sample(bus);
        Map<String, String> states = new HashMap<>();
        for (ContainerEntry e : bus.manager().ListContainers()) {
            states.put(e.getName(), e.getState());
        }
        Table t = new Table("Name", "State", "CPU%", "Mem", "Limit", "BlkRd", "BlkWr", "NetRx", "NetTx", "Procs")
                .right(2, 3, 4, 5, 6, 7, 8, 9);
        for (ContainerStats s : all) {
            Map<String, Variant<?>> st = s.getStats();
            Double cpu = lastCpuPercent.get(s.getName());
            double limit = Units.number(st, "memory.limit");
            double procs = Units.number(st, "processes");
            t.add(s.getName(), states.getOrDefault(s.getName(), "running"),
                    cpu == null ? "-" : String.format(Locale.ROOT, "%.1f", cpu),
                    Units.bytes(Units.number(st, "memory.current"), "", ""),
                    limit >= Units.UNLIMITED ? "-" : Units.bytes(limit, "", ""),
                    Units.bytes(Units.number(st, "block.read.bytes"), "", ""),
                    Units.bytes(Units.number(st, "block.write.bytes"), "", ""),
                    Units.bytes(Units.number(st, "net.rx.bytes"), "", ""),
                    Units.bytes(Units.number(st, "net.tx.bytes"), "", ""),
                    Double.isNaN(procs) ? "-" : String.valueOf((long) procs));
        }
        return "corralctl top - " + LocalTime.now().format(CLOCK) + ", " + all.size() + " running\n\n" + t.render();
    }
}
