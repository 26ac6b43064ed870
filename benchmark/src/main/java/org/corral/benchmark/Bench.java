package org.corral.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.corral1.Container;
import org.corral1.ContainerEntry;
import org.corral1.Manager;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.interfaces.DBus;
import org.freedesktop.dbus.types.UInt32;

/**
 * The corral benchmark: the installed service on a private system bus, driven from a warm
 * dbus-java client, next to the kernel floor and the targets. Run through benchmark/run.sh;
 * see docs/benchmarks.md for what each figure means.
 *
 * <p>Everything started here is stopped by PID, and every container destroyed, in a finally
 * block and in a shutdown hook (Ctrl-C).
 */
public final class Bench {

    // ---- options -------------------------------------------------------------------------
    private int n = 1000;
    private int cycles = 200;
    private int warmup = 20;
    private int serviceWarmup = 300;
    private int pssCount = 50;
    private int rssCount = 200;
    private int extra = 100;
    private int activationRuns = 21;
    private int cliRuns = 10;
    private int floorCycles = 1000;
    private Path projectRoot = Path.of(".").toAbsolutePath().normalize();
    private Path scratch;
    private boolean keep;
    private int holdSeconds;

    // ---- state ----------------------------------------------------------------------------
    private Path installRoot;
    private Path corrald;
    private Path busyboxRoot;
    private Bus bus;
    private Process service;
    private int serviceStarts;
    private DBusConnection conn;
    private DBus dbus;
    private Manager manager;
    private final Set<Long> activatedPids = new LinkedHashSet<>();
    private final Map<String, CompletableFuture<Long>> removed = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private boolean cleaned;
    private String loadAtStart = "?";
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    // ---- results --------------------------------------------------------------------------
    private final List<String[]> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Bench b = new Bench();
        b.parse(args);
        Thread hook = new Thread(() -> {
            b.stopping = true;
            b.cleanup();
        }, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int rc = 0;
        try {
            b.run();
        } catch (Exception | Error e) {
            if (!b.stopping) {
                System.err.println("bench: FAILED: " + e);
                e.printStackTrace();
            }
            rc = 1;
        } finally {
            b.cleanup();
        }
        System.exit(rc);
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--n" -> { n = Integer.parseInt(v); i++; }
                case "--cycles" -> { cycles = Integer.parseInt(v); i++; }
                case "--warmup" -> { warmup = Integer.parseInt(v); i++; }
                case "--service-warmup" -> { serviceWarmup = Integer.parseInt(v); i++; }
                case "--pss" -> { pssCount = Integer.parseInt(v); i++; }
                case "--rss" -> { rssCount = Integer.parseInt(v); i++; }
                case "--extra" -> { extra = Integer.parseInt(v); i++; }
                case "--activations" -> { activationRuns = Integer.parseInt(v); i++; }
                case "--cli-runs" -> { cliRuns = Integer.parseInt(v); i++; }
                case "--floor-cycles" -> { floorCycles = Integer.parseInt(v); i++; }
                case "--project-root" -> { projectRoot = Path.of(v).toAbsolutePath().normalize(); i++; }
                case "--scratch" -> { scratch = Path.of(v).toAbsolutePath().normalize(); i++; }
                case "--keep" -> keep = true;
                case "--hold" -> { holdSeconds = Integer.parseInt(v); i++; }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (scratch == null) {
            throw new IllegalArgumentException("--scratch DIR is required (benchmark/run.sh passes it)");
        }
    }

    private void run() throws Exception {
        String date = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z"));
        List<String> facts = machineFacts();
        loadAtStart = Sys.readOr(Path.of("/proc/loadavg"), "?").trim();
        log("setting up in " + scratch);
        setUp();

        // 1. the kernel floor
        log("kernel floor: " + floorCycles + " cycles");
        double[] floor = floor();

        startService();
        Bus.sleep(1000);
        long rssIdle = Sys.procKb(service.pid(), "status", "VmRSS");

        // 2. full cycle, start, destroy, on a warm service: its JIT (C1 only, see the corrald
        // wrapper) compiles a method after about 200 calls, so a start path used once per start
        // runs interpreted for the first 100-200 starts. The first cycles are a figure of their own.
        Stats cold = serviceWarmUp();
        Stats createReturn = new Stats();
        Stats full = fullCycle(createReturn);
        Stats[] sd = startDestroy("bench-start");
        Stats veth = fullCycle(new Stats(), "<interface type='network'><source network='default'/></interface>", "",
                "v", Math.max(20, cycles / 4));
        Stats idmap = fullCycle(new Stats(), "", "<idmap><uid start='0' target='100000' count='65536'/>"
                + "<gid start='0' target='100000' count='65536'/></idmap>", "u", Math.max(20, cycles / 4));

        // 3-5. many idle containers
        Many many = manyContainers();

        // 6. activation, on quiet CPUs: the kernel is still freeing the 1000 containers' cgroups
        stopService();
        awaitQuietCpus("before the bus activation runs (after the many-containers phase)");
        Stats activation = activation();
        // a warm busctl call for scale (busctl's own start), on the last activated service
        Stats warmBusctl = new Stats();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            busctl("call", "org.corral1", "/org/corral1", "org.freedesktop.DBus.Peer", "Ping");
            warmBusctl.addNanos(System.nanoTime() - t0);
        }

        // 7. corralctl
        String cli = corralctl();

        // ---- the table ----
        row("Kernel floor (clone+proc+tmpfs /dev+exec /bin/true), " + floorCycles + " cycles",
                fmt(floor[0]) + " / " + fmt(floor[1]), "-", "-");
        row("Full cycle CreateXML(/bin/true) -> ContainerRemoved, " + full.count() + " after " + warmup,
                mp(full), "<= 6 (crun 8-9, lxc 8.5-9.4, libvirt 264)", verdict(full.median() <= 6));
        row("  of which CreateXML -> return (init running)", mp(createReturn), "-", "-");
        row("  the first " + cold.count() + " full cycles after the service started (cold JIT)", mp(cold), "-", "-");
        row("Start -> return, defined /bin/sleep 1000 container, " + sd[0].count() + " after " + warmup,
                mp(sd[0]), "<= 4", verdict(sd[0].median() <= 4));
        row("Destroy -> return", mp(sd[1]), "<= 5", verdict(sd[1].median() <= 5));
        row("Full cycle with a veth on the default network, " + veth.count() + " after " + warmup, mp(veth), "-", "-");
        row("Full cycle with an <idmap> (user namespace, idmapped root), " + idmap.count() + " after " + warmup,
                mp(idmap), "-", "-");
        row("Supervisor PSS per idle container (" + many.pssN + " containers), MiB",
                fmt3(many.supPssKb / 1024.0), "<= 0.5 MB (conmon 0.8, libvirt_lxc 14)", verdict(many.supPssKb / 1024.0 <= 0.5));
        row("  init (/bin/sleep, busybox) PSS per container, MiB", fmt3(many.initPssKb / 1024.0), "-", "-");
        row("Service RSS (VmRSS of corrald) idle, MiB", fmt(rssIdle / 1024.0), "-", "-");
        row("Service RSS with " + many.rssN + " idle containers, MiB", fmt(many.rssKb / 1024.0), "-", "-");
        row("Service RSS with " + many.started + " idle containers, MiB", fmt(many.rssAllKb / 1024.0), "-", "-");
        row("Start " + many.started + " idle containers (sequential CreateXML), s",
                fmt(many.startSeconds), "<= 10 (for 1000)", verdict(many.startSeconds <= 10.0 * n / 1000.0) + scaled());
        row("Tear down " + many.started + " (sequential Destroy), s",
                fmt(many.teardownSeconds), "<= 10 (for 1000)", verdict(many.teardownSeconds <= 10.0 * n / 1000.0) + scaled());
        row("Start latency, none running (median of " + extra + "), ms", mp(many.startNone), "-", "-");
        row("Start latency, " + many.started + " running (median of " + extra + "), ms", mp(many.startMany), "-", "-");
        double ratio = many.startMany.median() / many.startNone.median();
        row("  ratio with " + many.started + " / with none", String.format(Locale.ROOT, "%.2fx", ratio),
                "<= 1.2x (with 1000)", verdict(ratio <= 1.2) + scaled());
        row("Bus activation: first busctl Peer.Ping, median of " + activation.count() + " (min-max)",
                fmt(activation.median()) + " (" + fmt(activation.min()) + "-" + fmt(activation.max()) + ")",
                "<= 300", verdict(activation.median() <= 300));
        row("  for scale: warm busctl Peer.Ping (busctl's own start)", mp(warmBusctl), "-", "-");
        row("corralctl list, median of " + cliRuns, cli, "<= 150",
                cli.startsWith("n/a") ? "-" : verdict(Double.parseDouble(cli.split(" ")[0]) <= 150));

        if (destroyFailures > 0) {
            notes.add(destroyFailures + " Destroy call(s) failed with org.corral1.Error.Failed (e.g. \"" + destroyFailureExample
                    + "\"); each container did end; those samples are left out of the Destroy figures");
        }
        stopActivated();
        printTable(date, facts);
    }

    // ---- set-up ---------------------------------------------------------------------------

    private <T extends org.freedesktop.dbus.interfaces.DBusInterface> T remote(String busName, String path, Class<T> type) {
        try {
            return conn.getRemoteObject(busName, path, type);
        } catch (org.freedesktop.dbus.exceptions.DBusException e) {
            throw new IllegalStateException("no proxy for " + path, e);
        }
    }

    private void setUp() throws IOException {
        Files.createDirectories(scratch);
        Path tarball;
        try (Stream<Path> s = Files.list(projectRoot.resolve("dist/target"))) {
            tarball = s.filter(p -> p.getFileName().toString().matches("corral-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no dist/target/corral-*.tar.gz: build first"));
        }
        installRoot = scratch.resolve("install");
        Files.createDirectories(installRoot);
        Sys.run(List.of("tar", "-xzf", tarball.toString(), "-C", installRoot.toString()));
        corrald = installRoot.resolve("usr/libexec/corral/corrald");
        if (!Files.isExecutable(corrald)) {
            throw new IllegalStateException("no corrald in " + tarball);
        }
        // A busybox root: /bin/busybox and a symlink per applet.
        busyboxRoot = scratch.resolve("root");
        Files.createDirectories(busyboxRoot.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), busyboxRoot.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : Sys.run(List.of("/bin/busybox", "--list")).split("\\s+")) {
            if (!applet.isEmpty() && !applet.equals("busybox")) {
                Files.createSymbolicLink(busyboxRoot.resolve("bin").resolve(applet), Path.of("busybox"));
            }
        }
        for (String d : List.of("proc", "sys", "dev", "tmp", "etc")) {
            Files.createDirectories(busyboxRoot.resolve(d));
        }
        bus = new Bus(scratch.resolve("bus"));
        bus.start(installRoot, corrald, java);
        try {
            conn = DBusConnectionBuilder.forAddress(bus.address).withShared(false).build();
        } catch (org.freedesktop.dbus.exceptions.DBusException e) {
            throw new IllegalStateException("cannot connect to " + bus.address, e);
        }
        dbus = remote("org.freedesktop.DBus", "/org/freedesktop/DBus", DBus.class);
        try {
            conn.addSigHandler(Manager.ContainerRemoved.class, s -> {
                long t = System.nanoTime();
                CompletableFuture<Long> f = removed.remove(s.name);
                if (f != null) {
                    f.complete(t);
                }
            });
        } catch (org.freedesktop.dbus.exceptions.DBusException e) {
            throw new IllegalStateException("cannot listen for ContainerRemoved", e);
        }
    }

    /** The benchmark's container: {@code init} is the program and its arguments, blank-separated. */
    private String xml(String name, String init) {
        return xml(name, init, "", "");
    }

    /** @param extraDevices more {@code <devices>} children; @param extraTop more {@code <domain>} children */
    private String xml(String name, String init, String extraDevices, String extraTop) {
        String[] argv = init.split(" ");
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < argv.length; i++) {
            args.append("<initarg>").append(argv[i]).append("</initarg>");
        }
        return "<domain type='lxc'><name>" + name + "</name><memory unit='MiB'>64</memory><os><type>exe</type><init>"
                + argv[0] + "</init>" + args + "</os>" + extraTop + "<devices><filesystem type='mount'><source dir='"
                + busyboxRoot + "'/><target dir='/'/></filesystem>" + extraDevices
                + "<console type='pty'/></devices></domain>";
    }

    // ---- the service ----------------------------------------------------------------------

    private void startService() {
        int k = ++serviceStarts;
        // In network and mount namespaces of its own: the default network's bridge and the veths
        // of the veth row never touch the host's network (sysfs is mounted again for that
        // namespace, the cgroup mounts moved over it).
        Path networks = bus.dir.resolve("networks");
        Path keep = bus.dir.resolve("cgroup-keep");
        try {
            Files.createDirectories(networks);
            Files.writeString(networks.resolve("default.xml"), "<network><name>default</name><bridge name='cbench0'/>"
                    + "<ip address='169.254.99.1' prefix='24'><dhcp><range start='169.254.99.10' end='169.254.99.250'/>"
                    + "</dhcp></ip></network>");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ProcessBuilder pb = new ProcessBuilder("unshare", "--net", "--mount", "--propagation", "private", "sh", "-c",
                "set -e; ip link set lo up; mkdir -p " + keep + "; mount --rbind /sys/fs/cgroup " + keep
                        + "; mount -t sysfs sysfs /sys; mount --move " + keep + " /sys/fs/cgroup; exec \"$0\" \"$@\"",
                corrald.toString(), "--config-dir", bus.configDir.toString(),
                "--runtime-dir", bus.runtimeDir.toString(), "--network-dir", networks.toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(bus.dir.resolve("corrald-" + k + ".stdout").toFile())
                .redirectError(bus.dir.resolve("corrald-" + k + ".stderr").toFile());
        pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", bus.address);
        pb.environment().put("CORRAL_JAVA", java);
        pb.environment().put("CORRAL_CACHE_DIR", bus.daemonCache.toString());
        pb.environment().remove("DBUS_SESSION_BUS_ADDRESS");
        try {
            service = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + corrald, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // Never call org.corral1 before it has an owner: the bus would activate a second one.
        while (!dbus.NameHasOwner("org.corral1")) {
            if (!service.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("corrald did not own org.corral1: "
                        + Sys.readOr(bus.dir.resolve("corrald-" + k + ".stderr"), ""));
            }
            Bus.sleep(20);
        }
        manager = remote("org.corral1", "/org/corral1", Manager.class);
        log("corrald pid " + service.pid() + " owns org.corral1");
    }

    private void stopService() {
        if (service != null && service.isAlive()) {
            Sys.terminate(service.pid(), Duration.ofSeconds(30));
        }
        awaitNoOwner();
    }

    private void awaitNoOwner() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (dbus.NameHasOwner("org.corral1") && System.nanoTime() < deadline) {
            Bus.sleep(10);
        }
    }

    private void checkStop() {
        if (stopping) {
            throw new IllegalStateException("interrupted");
        }
    }

    // ---- measurements ---------------------------------------------------------------------

    private double[] floor() {
        Path floor = projectRoot.resolve("service/target/native/floor");
        String out = Sys.run(List.of(floor.toString(), Integer.toString(floorCycles)));
        // cycles N median_us X p90_us Y
        String[] f = out.trim().split("\\s+");
        return new double[] {Long.parseLong(f[3]) / 1000.0, Long.parseLong(f[5]) / 1000.0};
    }

    private Stats fullCycle(Stats createReturn) throws Exception {
        return fullCycle(createReturn, "", "", "c", warmup, cycles);
    }

    private Stats fullCycle(Stats createReturn, String extraDevices, String extraTop, String tag, int n)
            throws Exception {
        return fullCycle(createReturn, extraDevices, extraTop, tag, warmup, n);
    }

    /**
     * The service's warm-up: {@code --service-warmup} full cycles (the first 20 measured: a
     * service just started), then as many Start/Destroy cycles of another container.
     */
    private Stats serviceWarmUp() throws Exception {
        int first = Math.min(20, serviceWarmup);
        Stats cold = fullCycle(new Stats(), "", "", "w", 0, first);
        fullCycle(new Stats(), "", "", "w" + first + "-", 0, serviceWarmup - first);
        startDestroy("bench-start", 0, serviceWarmup); // the container of the Start row
        return cold;
    }

    private Stats fullCycle(Stats createReturn, String extraDevices, String extraTop, String tag, int warmupCycles,
            int n) throws Exception {
        log("full cycle " + tag + ": " + warmupCycles + " warm-up + " + n);
        Stats full = new Stats();
        for (int i = 0; i < warmupCycles + n; i++) {
            checkStop();
            String name = "bench-" + tag + i;
            CompletableFuture<Long> gone = new CompletableFuture<>();
            removed.put(name, gone);
            String x = xml(name, "/bin/true", extraDevices, extraTop);
            long t0 = System.nanoTime();
            manager.CreateXML(x, List.of(), new UInt32(0));
            long t1 = System.nanoTime();
            long t2 = gone.get(30, TimeUnit.SECONDS);
            if (i >= warmupCycles) {
                full.addNanos(t2 - t0);
                createReturn.addNanos(t1 - t0);
            }
        }
        return full;
    }

    /** [Start, Destroy] of a defined /bin/sleep container. */
    private Stats[] startDestroy(String name) {
        return startDestroy(name, warmup, cycles);
    }

    private Stats[] startDestroy(String name, int warmupCycles, int cycles) {
        log("start/destroy: " + warmupCycles + " warm-up + " + cycles);
        DBusPath path = manager.DefineXML(xml(name, "/bin/sleep 1000"));
        Container c = remote("org.corral1", path.getPath(), Container.class);
        Stats start = new Stats();
        Stats destroy = new Stats();
        for (int i = 0; i < warmupCycles + cycles; i++) {
            checkStop();
            long t0 = System.nanoTime();
            c.Start(List.of(), new UInt32(0));
            long t1 = System.nanoTime();
            boolean ok = destroy(c::Destroy, path.getPath());
            long t2 = System.nanoTime();
            if (i >= warmupCycles) {
                start.addNanos(t1 - t0);
                if (ok) {
                    destroy.addNanos(t2 - t1);
                }
            }
        }
        return new Stats[] {start, destroy};
    }

    private static final class Many {
        int started;
        double startSeconds;
        double teardownSeconds;
        int pssN;
        long supPssKb;
        long initPssKb;
        int rssN;
        long rssKb;
        long rssAllKb;
        Stats startNone;
        Stats startMany;
    }

    private Many manyContainers() throws Exception {
        Many m = new Many();
        DBusPath probePath = manager.DefineXML(xml("bench-probe", "/bin/sleep 1000"));
        Container probe = remote("org.corral1", probePath.getPath(), Container.class);
        for (int i = 0; i < 3; i++) { // warm the probe's own path
            probe.Start(List.of(), new UInt32(0));
            destroy(probe::Destroy, probePath.getPath());
        }
        m.startNone = probeStarts(probe, probePath.getPath(), "none running");
        log("starting " + n + " idle containers");
        List<String> names = new ArrayList<>();
        List<DBusPath> paths = new ArrayList<>();
        long total = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            checkStop();
            String name = "bench-" + i;
            paths.add(manager.CreateXML(xml(name, "/bin/sleep 1000"), List.of(), new UInt32(0)));
            names.add(name);
            int count = i + 1;
            if (count == Math.min(pssCount, n) || count == Math.min(rssCount, n)) {
                total += System.nanoTime() - t0; // measurements are not part of the start time
                if (count == Math.min(pssCount, n)) {
                    m.pssN = count;
                    for (DBusPath p : paths) {
                        org.freedesktop.dbus.interfaces.Properties props =
                                remote("org.corral1", p.getPath(), org.freedesktop.dbus.interfaces.Properties.class);
                        long sup = ((Number) props.Get("org.corral1.Container", "SupervisorPID")).longValue();
                        long init = ((Number) props.Get("org.corral1.Container", "Leader")).longValue();
                        m.supPssKb += Sys.procKb(sup, "smaps_rollup", "Pss");
                        m.initPssKb += Sys.procKb(init, "smaps_rollup", "Pss");
                    }
                    m.supPssKb /= count;
                    m.initPssKb /= count;
                }
                if (count == Math.min(rssCount, n)) {
                    m.rssN = count;
                    m.rssKb = Sys.procKb(service.pid(), "status", "VmRSS");
                }
                t0 = System.nanoTime();
            }
            if (count % 100 == 0) {
                log("  " + count + " running");
            }
        }
        total += System.nanoTime() - t0;
        m.started = n;
        m.startSeconds = total / 1e9;
        m.rssAllKb = Sys.procKb(service.pid(), "status", "VmRSS");
        m.startMany = probeStarts(probe, probePath.getPath(), n + " running");
        if (holdSeconds > 0) {
            log("holding " + n + " running containers for " + holdSeconds + " s (corrald pid " + service.pid() + ")");
            for (int s = 0; s < holdSeconds * 10; s++) {
                checkStop();
                Bus.sleep(100);
            }
        }
        log("tearing down " + n);
        long t1 = System.nanoTime();
        for (String name : names) {
            checkStop();
            destroy(() -> manager.DestroyContainer(name), null);
        }
        m.teardownSeconds = (System.nanoTime() - t1) / 1e9;
        manager.UndefineContainer("bench-probe");
        return m;
    }

    /**
     * One Destroy. A Failed error is counted and the container awaited (State shutoff, for a
     * defined container at {@code path}); returns false then, and the sample is not used.
     */
    private boolean destroy(Runnable call, String path) {
        try {
            call.run();
            return true;
        } catch (org.corral1.Error.Failed e) {
            destroyFailures++;
            if (destroyFailureExample == null) {
                destroyFailureExample = e.getMessage();
            }
            if (path != null) {
                org.freedesktop.dbus.interfaces.Properties props =
                        remote("org.corral1", path, org.freedesktop.dbus.interfaces.Properties.class);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!"shutoff".equals(props.Get("org.corral1.Container", "State")) && System.nanoTime() < deadline) {
                    Bus.sleep(1);
                }
            }
            return false;
        }
    }

    /** Waits for quiet CPUs (Sys.awaitIdleCpus) and notes how long that took. */
    private void awaitQuietCpus(String when) {
        Duration settled = Sys.awaitIdleCpus(0.9, Duration.ofSeconds(60));
        notes.add(String.format(Locale.ROOT, "%s, the CPUs took %.1f s to be 90%% idle (two seconds in a row, at most"
                + " 60 s)", when, settled.toMillis() / 1000.0));
    }

    private int destroyFailures;
    private String destroyFailureExample;

    /**
     * Starts and destroys the probe {@code extra} times. Both series begin on quiet CPUs, so that
     * the ratio compares N running containers with none, not the moment right after N starts
     * (the kernel frees and the JVM compiles in the background then; measured apart, 600
     * running containers did not slow a start).
     */
    private Stats probeStarts(Container probe, String probePath, String when) {
        awaitQuietCpus("before the start-latency probes, " + when);
        Stats s = new Stats();
        for (int i = 0; i < extra; i++) {
            checkStop();
            long t0 = System.nanoTime();
            probe.Start(List.of(), new UInt32(0));
            s.addNanos(System.nanoTime() - t0);
            destroy(probe::Destroy, probePath);
        }
        return s;
    }

    /**
     * First calls with the service stopped. corrald keeps a class archive in its cache (here in
     * the scratch dir): the service run before recorded its classes, the first activation starts
     * the archive's dump in the background; the runs measured come after that dump, as every
     * activation but the first two after an install does.
     */
    private Stats activation() {
        log("bus activation: 1 warm-up (the class archive is dumped after it) + " + activationRuns + " runs");
        Stats first = new Stats();
        activateOnce(first);
        stopActivated();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Sys.pidsWithCmdline(bus.daemonCache.toString() + "/corrald-").isEmpty() && System.nanoTime() < deadline) {
            Bus.sleep(100);
        }
        Stats s = new Stats();
        for (int i = 0; i < activationRuns; i++) {
            checkStop();
            if (i > 0) {
                stopActivated();
            }
            activateOnce(s);
        }
        notes.add(String.format(Locale.ROOT, "bus activation without a class archive yet (the first after an install"
                + " or upgrade): %.1f ms", first.max()));
        return s;
    }

    private void activateOnce(Stats s) {
        long t0 = System.nanoTime();
        busctl("call", "org.corral1", "/org/corral1", "org.freedesktop.DBus.Peer", "Ping");
        s.addNanos(System.nanoTime() - t0);
        activatedPids.add(dbus.GetConnectionUnixProcessID("org.corral1").longValue());
    }

    private void stopActivated() {
        for (long pid : activatedPids) {
            Sys.terminate(pid, Duration.ofSeconds(30));
        }
        if (dbus != null) {
            awaitNoOwner();
        }
    }

    private String busctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("busctl", "--address=" + bus.address));
        cmd.addAll(List.of(args));
        return Sys.run(cmd);
    }

    private String corralctl() throws IOException {
        Path cli = null;
        for (String where : List.of("usr/bin/corralctl", "usr/sbin/corralctl", "usr/libexec/corral/corralctl")) {
            if (Files.isRegularFile(installRoot.resolve(where)) && Files.isExecutable(installRoot.resolve(where))) {
                cli = installRoot.resolve(where);
                break;
            }
        }
        if (cli == null) {
            try (Stream<Path> s = Files.walk(installRoot)) {
                cli = s.filter(p -> p.getFileName().toString().equals("corralctl") && Files.isRegularFile(p)
                        && Files.isExecutable(p) && !p.toString().contains("bash-completion")).findFirst().orElse(null);
            }
        }
        if (cli == null) {
            return "n/a (corralctl not built)";
        }
        log("corralctl list: 3 warm-up + " + cliRuns + " runs (" + cli + ")");
        // corralctl keeps a class-data archive in its cache dir (built in the background by its
        // first runs): keep it in the scratch dir, let the warm-up runs build it, and wait for it.
        Path cache = scratch.resolve("cli-cache");
        Files.createDirectories(cache);
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
        cliCache = cache;
        Stats warm = new Stats();
        for (int i = 0; i < 3; i++) {
            String r = timeCli(cli, cache, warm);
            if (r != null) {
                return r;
            }
            Bus.sleep(500);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Sys.pidsWithCmdline(cache.toString()).isEmpty() && System.nanoTime() < deadline) {
            Bus.sleep(100);
        }
        Stats s = new Stats();
        for (int i = 0; i < cliRuns; i++) {
            String r = timeCli(cli, cache, s);
            if (r != null) {
                return r;
            }
        }
        notes.add(String.format(Locale.ROOT, "corralctl list: first (cold, no class archive yet) run %.1f ms; its archive lives"
                + " in the scratch dir (CORRAL_CACHE_DIR)", warm.max()));
        return mp(s);
    }

    private Path cliCache;

    /** One timed `corralctl list`; null when it worked, else the text for the table. */
    private String timeCli(Path cli, Path cache, Stats into) throws IOException {
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cli.toString(), "list").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", bus.address);
        pb.environment().put("CORRAL_JAVA", java);
        pb.environment().put("CORRAL_CACHE_DIR", cache.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                return "n/a (corralctl list failed with status " + p.exitValue() + ": " + out.trim().split("\n")[0] + ")";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "n/a (interrupted)";
        }
        into.addNanos(System.nanoTime() - t0);
        return null;
    }

    // ---- clean-up -------------------------------------------------------------------------

    private synchronized void cleanup() {
        if (cleaned) {
            return;
        }
        cleaned = true;
        try {
            destroyAll();
        } catch (RuntimeException e) {
            System.err.println("bench: clean-up through the service failed: " + e);
        }
        killLeftoverSupervisors();
        for (Path cache : new Path[] {cliCache, bus == null ? null : bus.daemonCache}) {
            if (cache != null) {
                for (long pid : Sys.pidsWithCmdline(cache.toString())) {
                    Sys.terminate(pid, Duration.ofSeconds(5)); // a background class archive dump
                }
            }
        }
        if (service != null && service.isAlive()) {
            Sys.terminate(service.pid(), Duration.ofSeconds(30));
        }
        for (long pid : activatedPids) {
            Sys.terminate(pid, Duration.ofSeconds(30));
        }
        if (conn != null) {
            try {
                conn.close();
            } catch (IOException | RuntimeException e) {
                // closing anyway
            }
        }
        // Helpers the service started that outlive it (any process running from or on the
        // scratch dir, e.g. a FUSE server), by PID; then any mount left below the scratch dir.
        if (scratch != null) {
            for (long pid : Sys.pidsWithCmdline(scratch.toString())) {
                if (!Sys.cmdline(pid).startsWith("corral-supervisor") && (bus == null || pid != bus.pid())) {
                    System.err.println("bench: stopping leftover process " + pid + " (" + Sys.cmdline(pid).split(" ")[0] + ")");
                    Sys.terminate(pid, Duration.ofSeconds(10));
                }
            }
            for (String mount : Sys.mountsBelow(scratch)) {
                if (bus != null && mount.equals(bus.runtimeDir.toString())) {
                    continue; // the tmpfs made for it: Bus.stop
                }
                System.err.println("bench: unmounting leftover " + mount);
                Sys.tryRun(List.of("umount", mount));
            }
        }
        if (bus != null) {
            bus.stop();
            saveLogs();
        }
        List<Path> left = Sys.benchCgroups();
        for (Path p : left) {
            try {
                Files.delete(p); // rmdir of an empty cgroup
            } catch (IOException e) {
                // reported below
            }
        }
        List<Path> still = Sys.benchCgroups();
        if (!left.isEmpty()) {
            System.err.println("bench: WARNING: " + left.size() + " cgroup(s) /sys/fs/cgroup/*/machine/bench-* were left"
                    + (still.isEmpty() ? " (removed now)" : "; still there: " + still));
        } else {
            System.err.println("bench: no /sys/fs/cgroup/*/machine/bench-* left");
        }
        if (!keep && still.isEmpty() && noSupervisorsLeft()) {
            Sys.deleteTree(scratch);
        } else if (scratch != null) {
            System.err.println("bench: scratch dir kept: " + scratch);
        }
    }

    /** Destroys every running bench-* container and undefines every defined one, through the service. */
    private void destroyAll() {
        if (dbus == null) {
            return;
        }
        boolean owner = dbus.NameHasOwner("org.corral1");
        if (!owner && !hasStateFiles()) {
            return;
        }
        if (!owner) {
            // A service that reattaches its containers: activation (the service was stopped).
            busctl("call", "org.corral1", "/org/corral1", "org.freedesktop.DBus.Peer", "Ping");
            activatedPids.add(dbus.GetConnectionUnixProcessID("org.corral1").longValue());
        }
        Manager m = remote("org.corral1", "/org/corral1", Manager.class);
        for (int round = 0; round < 2; round++) {
            for (ContainerEntry e : m.ListContainers()) {
                String name = e.getName();
                if (!name.startsWith("bench-")) {
                    continue;
                }
                try {
                    if (!"shutoff".equals(e.getState())) {
                        m.DestroyContainer(name);
                    }
                } catch (RuntimeException ex) {
                    // already gone
                }
                try {
                    m.UndefineContainer(name);
                } catch (RuntimeException ex) {
                    // transient, or gone
                }
            }
            Bus.sleep(200);
        }
    }

    private boolean hasStateFiles() {
        if (bus == null || !Files.isDirectory(bus.runtimeDir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(bus.runtimeDir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".state"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Last resort: SIGKILL every supervisor a state file still names (init follows by PDEATHSIG). */
    private void killLeftoverSupervisors() {
        for (long pid : leftoverSupervisors()) {
            System.err.println("bench: killing leftover supervisor " + pid);
            Sys.kill(pid);
        }
    }

    private boolean noSupervisorsLeft() {
        return leftoverSupervisors().isEmpty();
    }

    private List<Long> leftoverSupervisors() {
        List<Long> out = new ArrayList<>();
        if (bus == null || !Files.isDirectory(bus.runtimeDir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(bus.runtimeDir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".state")).toList()) {
                Properties p = new Properties();
                try {
                    p.load(new java.io.StringReader(Files.readString(f)));
                    long pid = Long.parseLong(p.getProperty("supervisorPid", "0"));
                    if (pid > 0 && Sys.isAlive(pid) && Sys.cmdline(pid).contains("corral-sup")) {
                        out.add(pid);
                    }
                } catch (IOException | RuntimeException e) {
                    // unreadable: nothing to kill by it
                }
            }
        } catch (IOException e) {
            // none
        }
        return out;
    }

    private void saveLogs() {
        Path dest = projectRoot.resolve("benchmark/target/last-run");
        try {
            Files.createDirectories(dest);
            try (Stream<Path> s = Files.list(bus.dir)) {
                for (Path p : s.filter(p -> p.getFileName().toString().matches("(corrald-.*|dbus-daemon\\..*)")).toList()) {
                    Files.copy(p, dest.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            System.err.println("bench: cannot keep logs: " + e);
        }
    }

    // ---- output ---------------------------------------------------------------------------

    private List<String> machineFacts() {
        List<String> f = new ArrayList<>();
        String cpu = "?";
        for (String line : Sys.readOr(Path.of("/proc/cpuinfo"), "").split("\n")) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        long memKb = -1;
        for (String line : Sys.readOr(Path.of("/proc/meminfo"), "").split("\n")) {
            if (line.startsWith("MemTotal:")) {
                memKb = Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        f.add("kernel   " + Sys.readOr(Path.of("/proc/sys/kernel/osrelease"), "?").trim());
        f.add("cpu      " + cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        f.add("memory   " + (memKb / 1024 / 1024) + " GiB");
        f.add("jdk      " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        f.add("dbus     " + Sys.tryRun(List.of("dbus-daemon", "--version")).split("\n")[0].trim());
        f.add("cgroups  " + (Files.isDirectory(Path.of("/sys/fs/cgroup/memory")) ? "v1 (hybrid)" : "v2"));
        f.add("rundir   corrald's runtime directory on a tmpfs, as /run on a systemd host (here /run is on "
                + Sys.tryRun(List.of("stat", "-f", "-c", "%T", "/run")).trim() + ")");
        return f;
    }

    private void printTable(String date, List<String> facts) {
        StringBuilder b = new StringBuilder();
        b.append("\ncorral benchmark, ").append(date).append('\n');
        for (String f : facts) {
            b.append("  ").append(f).append('\n');
        }
        b.append("  load     ").append(loadAtStart).append(" at start, ")
                .append(Sys.readOr(Path.of("/proc/loadavg"), "?").trim()).append(" at end (/proc/loadavg;"
                        + " other work on the machine skews every figure)\n");
        b.append("  N        ").append(n).append(" idle containers; ").append(cycles).append(" cycles after ")
                .append(warmup).append(" warm-up, on a service warmed by ").append(serviceWarmup)
                .append(" full and Start/Destroy cycles; times in ms (median / p90) unless noted\n\n");
        int w0 = "Figure".length();
        int w1 = "corral".length();
        int w2 = "target".length();
        for (String[] r : rows) {
            w0 = Math.max(w0, r[0].length());
            w1 = Math.max(w1, r[1].length());
            w2 = Math.max(w2, r[2].length());
        }
        String fmt = "| %-" + w0 + "s | %-" + w1 + "s | %-" + w2 + "s | %s\n";
        b.append(String.format(fmt, "Figure", "corral", "target", "met?"));
        b.append(String.format(fmt, "-".repeat(w0), "-".repeat(w1), "-".repeat(w2), "----"));
        for (String[] r : rows) {
            b.append(String.format(fmt, r[0], r[1], r[2], r[3]));
        }
        for (String note : notes) {
            b.append("note: ").append(note).append('\n');
        }
        System.out.print(b);
        try {
            Path dest = projectRoot.resolve("benchmark/target/last-run");
            Files.createDirectories(dest);
            Files.writeString(dest.resolve("table.txt"), b.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // printed anyway
        }
    }

    private void row(String figure, String value, String target, String met) {
        rows.add(new String[] {figure, value, target, met});
    }

    private String scaled() {
        return n == 1000 ? "" : " (N=" + n + ", target scaled)";
    }

    private static String verdict(boolean ok) {
        return ok ? "yes" : "NO";
    }

    private static String mp(Stats s) {
        return fmt(s.median()) + " / " + fmt(s.p90());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }

    private static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static void log(String s) {
        System.err.println("bench: " + s);
    }
}
