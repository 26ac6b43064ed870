package org.corral.it.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.corral.it.Cli;
import org.corral.it.Corral;
import org.corral.it.CorralService;
import org.corral.it.Domains;
import org.corral.it.Install;
import org.corral.it.Poll;
import org.corral.it.PrivateSystemBus;
import org.corral.it.Processes;

/**
 * One private system bus and the installed corrald on it, plus what runtime tests need around
 * them: busybox roots, host directories, container state and cgroup probes, and a clean-up that
 * destroys and undefines every container the test made (supervisors left behind by a hung
 * service are killed by PID).
 */
public final class Rig implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);

    private final Install install = Install.fromBuild();
    private final PrivateSystemBus bus;
    private CorralService service;
    private final Cli cli;
    private final Corral corral;
    private final Set<String> containers = new LinkedHashSet<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    private final boolean ownNetwork;

    private Rig(String defaultNetworkXml) {
        this(null, defaultNetworkXml);
    }

    private Rig(PrivateSystemBus given, String defaultNetworkXml) {
        bus = given != null ? given : PrivateSystemBus.withoutActivation(install);
        ownNetwork = defaultNetworkXml != null;
        try {
            if (ownNetwork) {
                Path networks = bus.workdir().resolve("networks");
                Files.createDirectories(networks);
                Files.writeString(networks.resolve("default.xml"), defaultNetworkXml);
            }
            service = startService();
        } catch (IOException e) {
            bus.close();
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            bus.close();
            throw e;
        }
        cli = bus.cli();
        corral = new Corral(cli);
    }

    private CorralService startService() {
        return ownNetwork ? CorralService.startInNetworkNamespace(install, bus) : CorralService.start(install, bus);
    }

    public static Rig start() {
        return new Rig(null);
    }

    /**
     * The service on a bus the caller prepared (e.g. {@link PrivateSystemBus#inMountNamespace}
     * with polkitd or machined on it); the rig closes the bus with everything else.
     */
    public static Rig onBus(PrivateSystemBus bus) {
        return new Rig(bus, null);
    }

    public PrivateSystemBus bus() {
        return bus;
    }

    /**
     * The service in a network namespace of its own, with this definition of the network
     * named default (test-only addresses): bridges and veths never touch the host's network.
     */
    public static Rig startInNetworkNamespace(String defaultNetworkXml) {
        return new Rig(defaultNetworkXml);
    }

    public Cli cli() {
        return cli;
    }

    public Corral corral() {
        return corral;
    }

    public CorralService service() {
        return service;
    }

    /** Starts corrald again on the same bus, config and runtime dirs (after kill() or stop()). */
    public CorralService restartService() {
        service.close();
        service = startService();
        return service;
    }

    public Path runtimeDir() {
        return bus.runtimeDir();
    }

    public Path configDir() {
        return bus.configDir();
    }

    public <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    public BusyboxRoot newRoot() {
        return track(BusyboxRoot.create());
    }

    /** A host directory, removed at close (e.g. the source of a bind mount). */
    public Path newHostDir() {
        try {
            Path dir = Files.createTempDirectory("corral-host");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            track(() -> Processes.deleteTree(dir));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Remembers a container name for clean-up. */
    public String track(String name) {
        containers.add(name);
        return name;
    }

    /** DefineXML through busctl; returns the object path. */
    public String define(LxcXml xml) {
        track(xml.name());
        return corral.define(xml.xml());
    }

    /** Container.Start through busctl with no fds ({@code ah} count 0). */
    public void start(String name) {
        call(name, "Start", "ahu", "0", "0").assertSuccess();
    }

    /** busctl call of a Container method on container {@code name}. */
    public Cli.Result call(String name, String method, String... signatureAndArgs) {
        return cli.busctlCall(Domains.path(name), Install.CONTAINER_IFACE, method, signatureAndArgs);
    }

    /** busctl call of a Manager method. */
    public Cli.Result manager(String method, String... signatureAndArgs) {
        return cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, method, signatureAndArgs);
    }

    /** A property as busctl prints its value, without the type letter ({@code running}, {@code 123}). */
    public String prop(String name, String property) {
        String printed = corral.property(Domains.path(name), property);
        String value = printed.substring(printed.indexOf(' ') + 1);
        return value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
    }

    public String state(String name) {
        return prop(name, "State");
    }

    public long leader(String name) {
        return Long.parseLong(prop(name, "Leader"));
    }

    public int exitStatus(String name) {
        return Integer.parseInt(prop(name, "ExitStatus"));
    }

    /** Whether the service knows a container of this name. */
    public boolean exists(String name) {
        return manager("GetContainer", "s", name).ok();
    }

    public void awaitState(String name, String state) {
        Poll.require(WAIT, () -> state.equals(stateOrGone(name)), () -> name + " is " + stateOrGone(name) + ", want " + state
                + "\n--- service log tail ---\n" + tail(service.stderr()));
    }

    private String stateOrGone(String name) {
        Cli.Result r = cli.busctl("get-property", Install.BUS_NAME, Domains.path(name), Install.CONTAINER_IFACE, "State");
        return r.ok() ? r.stdout().trim().replaceAll("^s \"(.*)\"$", "$1") : "<gone: " + r.stderr().trim() + ">";
    }

    /** What console 0 printed so far ({@code <runtime-dir>/NAME.console}, CRs removed). */
    public String console(String name) {
        return Processes.readIfExists(runtimeDir().resolve(name + ".console")).replace("\r", "");
    }

    public String awaitConsole(String name, String marker) {
        Poll.require(WAIT, () -> console(name).contains(marker), () -> "console of " + name + " never showed '" + marker
                + "':\n" + console(name) + "\n--- supervisor log ---\n" + Processes.readIfExists(runtimeDir().resolve(name + ".log")));
        return console(name);
    }

    /**
     * Waits for a file the container writes (e.g. on a bound host directory) to exist, and
     * returns what it holds then. A shell's {@code > file}
     * creates the file before it writes: a result read from it must be renamed into place
     * ({@code > f.tmp && mv f.tmp f}) or awaited through a marker written after it.
     */
    public String awaitFile(Path file) {
        Poll.require(WAIT, () -> Files.exists(file), () -> file + " never appeared; service log tail:\n" + tail(service.stderr()));
        return Processes.readIfExists(file);
    }

    static String read(Path file) {
        return Processes.readIfExists(file);
    }

    /** Mount points of the host's cgroup v1 hierarchies that have a controller (not name=systemd). */
    public static List<Path> v1ControllerMounts() {
        List<Path> result = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] halves = line.split(" - ");
                String[] f = halves[0].split(" ");
                String[] g = halves[1].split(" ");
                if (g[0].equals("cgroup")) {
                    boolean controller = false;
                    for (String opt : g[2].split(",")) {
                        if (!opt.equals("rw") && !opt.equals("ro") && !opt.startsWith("name=") && !opt.equals("xattr")
                                && !opt.startsWith("release_agent")) {
                            controller = true;
                        }
                    }
                    if (controller) {
                        result.add(Path.of(f[4]));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /** The container's directory in each v1 controller hierarchy. */
    public static List<Path> cgroupDirs(String name) {
        return v1ControllerMounts().stream().map(m -> m.resolve("machine/" + name + ".corral")).toList();
    }

    /**
     * The unit cgroup corral also puts init into on this hybrid host, for machined:
     * machine.slice/corral-NAME.scope in the unified hierarchy, NAME escaped as systemd unit names are.
     */
    public static Path unitCgroupDir(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_'
                    || (c == '.' && i > 0);
            b.append(keep ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return Path.of("/sys/fs/cgroup/unified/machine.slice/corral-" + b + ".scope");
    }

    /** Which of {@link #cgroupDirs} exist. */
    public static List<Path> existingCgroupDirs(String name) {
        return cgroupDirs(name).stream().filter(Files::exists).toList();
    }

    /**
     * Supervisors of container {@code name}: processes whose stdout is {@code NAME.log} in the
     * runtime dir (the launcher opens it for the supervisor).
     */
    public List<Long> supervisorsOf(String name) {
        Path log = runtimeDir().resolve(name + ".log");
        List<Long> result = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : proc) {
                try {
                    if (Files.readSymbolicLink(dir.resolve("fd/1")).equals(log)
                            && Processes.cmdline(Long.parseLong(dir.getFileName().toString())).startsWith("corral-sup")) {
                        result.add(Long.parseLong(dir.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, a kernel thread, or not ours
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /**
     * The standby supervisors of the service process {@code servicePid}: {@code corral-supervisor
     * --standby} processes whose plan pipe (fd 3) has its other end in that process.
     */
    public static List<Long> standbysOf(long servicePid) {
        Set<String> servicePipes = new java.util.HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(servicePid), "fd"))) {
            for (Path fd : fds) {
                try {
                    servicePipes.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return List.of(); // the service is gone
        }
        List<Long> result = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : proc) {
                long pid = Long.parseLong(dir.getFileName().toString());
                try {
                    String plan = Files.readSymbolicLink(dir.resolve("fd/3")).toString();
                    if (plan.startsWith("pipe:") && servicePipes.contains(plan)
                            && Processes.cmdline(pid).startsWith("corral-supervisor --standby")) {
                        result.add(pid);
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, a kernel thread, or not ours
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /** Host PIDs of every process in the PID namespace of {@code leader} (found by scanning /proc). */
    public static Set<Long> pidsInNamespaceOf(long leader) {
        Set<Long> result = new TreeSet<>();
        Path ns;
        try {
            ns = Files.readSymbolicLink(Path.of("/proc", Long.toString(leader), "ns/pid"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : proc) {
                try {
                    if (Files.readSymbolicLink(dir.resolve("ns/pid")).equals(ns)) {
                        result.add(Long.parseLong(dir.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /** The PIDs in a cgroup.procs file. */
    public static Set<Long> procs(Path cgroupDir) {
        Set<Long> result = new TreeSet<>();
        for (String l : read(cgroupDir.resolve("cgroup.procs")).split("\n")) {
            if (!l.isBlank()) {
                result.add(Long.parseLong(l.trim()));
            }
        }
        return result;
    }

    public static String nsOf(long pid, String ns) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", ns)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String tail(String text) {
        return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
    }

    /** The error name a failed gdbus or python call reported (GDBus.Error:NAME: / DBUS-ERROR NAME:). */
    public static String errorName(Cli.Result r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:GDBus\\.Error:|DBUS-ERROR )([\\w.]+):").matcher(r.stderr());
        return m.find() ? m.group(1) : "<no error name in: " + r.output() + ">";
    }

    /**
     * A python3-dbus listener for every signal corral sends: "SIG PATH StateChanged STATE REASON",
     * "SIG PATH PropertiesChanged K=V ..." (sorted) and "SIG PATH ContainerNew|ContainerRemoved NAME PATH".
     */
    private static final String PY_LISTENER = """
            import sys, dbus
            from dbus.mainloop.glib import DBusGMainLoop
            from gi.repository import GLib
            DBusGMainLoop(set_as_default=True)
            bus = dbus.SystemBus()
            loop = GLib.MainLoop()
            def on_signal(*args, **kw):
                print('SIG', kw['path'], kw['member'], *[str(a) for a in args], flush=True)
            def on_props(iface, changed, invalidated, **kw):
                if iface == 'org.corral1.Container':
                    print('SIG', kw['path'], 'PropertiesChanged', *sorted('%s=%s' % (k, v) for k, v in changed.items()), flush=True)
            bus.add_signal_receiver(on_signal, dbus_interface='org.corral1.Container', signal_name='StateChanged',
                                    path_keyword='path', member_keyword='member')
            bus.add_signal_receiver(on_signal, dbus_interface='org.corral1.Manager',
                                    path_keyword='path', member_keyword='member')
            bus.add_signal_receiver(on_props, dbus_interface='org.freedesktop.DBus.Properties',
                                    signal_name='PropertiesChanged', path_keyword='path')
            bus.get_name_owner('org.freedesktop.DBus')
            print('READY', flush=True)
            GLib.timeout_add_seconds(300, loop.quit)
            loop.run()
            """;

    /** Starts a {@link #PY_LISTENER} and waits until it is subscribed. */
    public Cli.Background listen() {
        Cli.Background bg = track(cli.spawn(List.of(Cli.PYTHON, "-c", PY_LISTENER)));
        Poll.require(WAIT, () -> bg.stdout().contains("READY"), () -> "python listener: " + bg.stderr());
        return bg;
    }

    /** The listener's lines for object {@code path} and {@code member}, without "SIG PATH MEMBER ". */
    public static List<String> signals(Cli.Background listener, String path, String member) {
        String prefix = "SIG " + path + " " + member;
        return listener.stdout().lines().filter(l -> l.equals(prefix) || l.startsWith(prefix + " "))
                .map(l -> l.substring(prefix.length()).trim()).toList();
    }

    /** Destroys and undefines every tracked container, then closes what was tracked, the service and the bus. */
    @Override
    public void close() {
        try {
            boolean answers = service.isAlive() && cli.busctl("--timeout=3", "call", Install.BUS_NAME, Install.MANAGER_PATH,
                    Install.MANAGER_IFACE, "ListContainers").ok();
            for (String name : containers) {
                if (answers) {
                    // Short timeouts: a hung service must not stall the clean-up.
                    cli.busctl("--timeout=5", "call", Install.BUS_NAME, Domains.path(name), Install.CONTAINER_IFACE, "Destroy");
                    cli.busctl("--timeout=5", "call", Install.BUS_NAME, Domains.path(name), Install.CONTAINER_IFACE, "Undefine");
                }
                for (long pid : supervisorsOf(name)) {
                    Processes.kill(pid);
                }
                List<Path> dirs = new ArrayList<>(cgroupDirs(name));
                dirs.add(unitCgroupDir(name));
                for (Path dir : dirs) {
                    try {
                        Files.deleteIfExists(dir);
                    } catch (IOException e) {
                        // still populated: reported by the tests that check it
                    }
                }
            }
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception e) {
                    // best effort
                }
            }
        } finally {
            try {
                service.close();
            } finally {
                bus.close();
            }
        }
    }
}
