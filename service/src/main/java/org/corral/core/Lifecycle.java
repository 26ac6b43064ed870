package org.corral.core;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.audit.ContainerAudit;
import org.corral.config.model.Domain;
import org.corral.core.Container.StopIntent;
import org.corral.core.CorralException.Kind;
import org.corral.core.StateMachine.Reason;
import org.corral.launcher.ContainerPlanner;
import org.corral.launcher.ContainerRoot;
import org.corral.launcher.ExecProcess;
import org.corral.launcher.ExitStatus;
import org.corral.launcher.Launcher;
import org.corral.launcher.LiveState;
import org.corral.launcher.RunningContainer;
import org.corral.machined.Machines;

/**
 * Starting and stopping containers: the verbs of the API, the end of init, reboots and the
 * on_poweroff / on_reboot / on_crash actions, and finding running containers again after the
 * service was restarted. Every state change goes through {@link ContainerRegistry#transition}.
 *
 * <p>Calls arrive on D-Bus handler threads and return as soon as their part is done; the ends of
 * containers arrive on the supervisor monitor thread and are handled on one event thread, in
 * order, so that a reboot's new start never races the old start's clean-up.
 */
public final class Lifecycle {

    private static final Logger LOG = LogManager.getLogger(Lifecycle.class);
    private static final long DESTROY_WAIT_SECONDS = 10;
    /** Shutdown/Reboot flags, as libvirt numbers them. */
    public static final int FLAG_INITCTL = 4;
    public static final int FLAG_SIGNAL = 8;
    private static final int SIGTERM = 15;

    private final ContainerRegistry registry;
    private final Launcher launcher;
    private final ContainerAudit audit;
    /** machined registration; none until the service is on the bus. */
    private volatile Machines machines = Machines.none();
    /** How long the end of a container waits for machined to drop its machine. */
    private static final long UNREGISTER_WAIT_SECONDS = 5;
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "corral-lifecycle");
        t.setDaemon(true);
        return t;
    });

    /**
     * Where the work a start leaves for later is handed on: each piece only wakes a thread of its
     * own (a standby supervisor for the next start, machined), and the bus
     * layer holds them until the caller has its reply (bus/AfterReply). Without it, at once.
     */
    private volatile Executor followUps = Runnable::run;

    public Lifecycle(ContainerRegistry registry, Launcher launcher, ContainerAudit audit) {
        this.registry = registry;
        this.launcher = launcher;
        this.audit = audit;
    }

    /** See {@link #followUps}. */
    public void deferFollowUps(Executor afterReply) {
        this.followUps = afterReply;
    }

    /** CreateXML: defines nothing, starts a transient container that is gone when it stops. */
    public Container create(Domain definition, List<Integer> fds) throws CorralException {
        return create(definition, fds, List.of());
    }

    /** @param fdNames one name per fd for LISTEN_FDNAMES, or empty */
    public Container create(Domain definition, List<Integer> fds, List<String> fdNames) throws CorralException {
        checkFdNames(fds, fdNames);
        Container c = registry.addTransient(definition);
        try {
            start(c, fds, fdNames, Reason.BOOTED);
        } catch (CorralException e) {
            registry.forget(c);
            throw e;
        }
        return c;
    }

    public void start(String name, List<Integer> fds) throws CorralException {
        start(name, fds, List.of());
    }

    /** @param fdNames one name per fd for LISTEN_FDNAMES, or empty */
    public void start(String name, List<Integer> fds, List<String> fdNames) throws CorralException {
        checkFdNames(fds, fdNames);
        start(registry.lookup(name), fds, fdNames, Reason.BOOTED);
    }

    /** As systemd's fd names: one per fd, 1..255 printable ASCII characters without ':'. */
    static void checkFdNames(List<Integer> fds, List<String> names) throws CorralException {
        if (names.isEmpty()) {
            return;
        }
        if (names.size() != fds.size()) {
            throw CorralException.invalidArgs(names.size() + " fd names for " + fds.size() + " fds: give one name per fd");
        }
        for (String n : names) {
            if (n.isEmpty() || n.length() > 255 || !n.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f && ch != ':')) {
                throw CorralException.invalidArgs("fd name '" + n + "' is invalid: 1 to 255 printable ASCII characters, no ':' or space");
            }
        }
    }

    private void start(Container c, List<Integer> fds, List<String> fdNames, Reason reason) throws CorralException {
        Domain live;
        synchronized (c) {
            if (c.state().isActive()) {
                throw new CorralException(Kind.ALREADY_RUNNING, "container '" + c.name() + "' is already " + c.state().busName());
            }
            live = c.takeLiveCopy();
            c.setLiveDefinition(live);
            c.setStopIntent(StopIntent.NONE);
            registry.transition(c, ContainerState.STARTING, reason);
        }
        launch(c, live, fds, fdNames, reason);
    }

    private void launch(Container c, Domain live, List<Integer> fds, List<String> fdNames, Reason reason)
            throws CorralException {
        // A /bin/true container may end before this thread has recorded its start: its end
        // waits for the bookkeeping.
        CompletableFuture<Void> booked = new CompletableFuture<>();
        try {
            RunningContainer rc = launcher.launch(live, c.isPersistent(), fds, fdNames,
                    (r, status) -> exited(c, r, status, booked));
            synchronized (c) {
                c.setRunning(rc);
                registry.transition(c, ContainerState.RUNNING, reason);
            }
            booked.complete(null);
            String auditReason = reason == Reason.REBOOTED ? "reboot" : "booted";
            audit.start(live, rc.supervisor().pid(), auditReason, true);
            audit.init(live, rc.supervisor().pid(), rc.init().pid(), pidNamespace(rc.init().pid()));
            LOG.info("container '{}' started: init {}, supervisor {}", c.name(), rc.init().pid(), rc.supervisor().pid());
            // machined is asked on its own thread, never on the caller's.
            Machines.Spec spec = machineSpec(c, live, rc);
            followUps.execute(() -> machines.register(spec, n -> machineNameChanged(c, n)));
        } catch (CorralException e) {
            booked.complete(null);
            audit.start(live, -1, reason == Reason.REBOOTED ? "reboot" : "booted", false);
            synchronized (c) {
                registry.transition(c, ContainerState.SHUTOFF, Reason.FAILED);
            }
            registry.forget(c);
            throw e;
        } finally {
            followUps.execute(launcher::refillStandby);
        }
    }

    /**
     * Asks init to power off: a runlevel-0 request through its initctl FIFO when it has one,
     * else SIGTERM. Returns at once; the state follows when init exits.
     */
    public void shutdown(String name, int flags) throws CorralException {
        askInit(name, flags, StopIntent.SHUTDOWN, '0', SIGTERM);
    }

    /** Like shutdown, with runlevel 6 or SIGHUP; init's end starts the container again. */
    public void reboot(String name, int flags) throws CorralException {
        askInit(name, flags, StopIntent.REBOOT, '6', ExitStatus.SIGHUP);
    }

    private void askInit(String name, int flags, StopIntent intent, char runlevel, int signal) throws CorralException {
        if ((flags & ~(FLAG_INITCTL | FLAG_SIGNAL)) != 0) {
            throw CorralException.invalidArgs(String.format("unsupported flags 0x%x (known: 0x4 initctl, 0x8 signal)", flags));
        }
        Container c = registry.lookup(name);
        RunningContainer rc;
        synchronized (c) {
            rc = requireRunning(c);
            c.setStopIntent(intent);
            if (c.state() == ContainerState.RUNNING) {
                registry.transition(c, ContainerState.STOPPING, Reason.REQUESTED);
            }
        }
        try {
            launcher.writeState(rc, c.isPersistent(), intent.name().toLowerCase());
            boolean viaInitctl = (flags & FLAG_SIGNAL) == 0 && rc.requestRunlevel(runlevel);
            if (!viaInitctl) {
                if ((flags & FLAG_INITCTL) != 0) {
                    throw new CorralException(Kind.FAILED, "container '" + name + "' has no initctl FIFO");
                }
                rc.signalInit(signal);
            }
            LOG.info("container '{}': {} requested via {}", name, intent.name().toLowerCase(), viaInitctl ? "initctl" : "signal " + signal);
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot ask container '" + name + "' to stop: " + e.getMessage(), e);
        }
    }

    /** Kills every process of the container at once and returns when it is cleaned up. */
    public void destroy(String name) throws CorralException {
        Container c = registry.lookup(name);
        RunningContainer rc;
        CompletableFuture<Void> gone = new CompletableFuture<>();
        synchronized (c) {
            rc = requireRunning(c);
            c.setStopIntent(StopIntent.DESTROY);
            pendingStops.put(c, gone);
        }
        IOException killError = null;
        try {
            rc.killAll();
        } catch (IOException e) {
            // Often the container ended at the same moment and its cgroup is going away;
            // what counts is whether it is gone.
            killError = e;
        }
        try {
            gone.get(killError == null ? DESTROY_WAIT_SECONDS : 1, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            if (killError != null) {
                throw new CorralException(Kind.FAILED, "cannot kill container '" + name + "': " + killError.getMessage(), killError);
            }
            throw new CorralException(Kind.FAILED, "container '" + name + "' did not end within " + DESTROY_WAIT_SECONDS + " s of SIGKILL");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new CorralException(Kind.FAILED, "destroying container '" + name + "' failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CorralException(Kind.FAILED, "interrupted while destroying '" + name + "'");
        }
    }

    /**
     * A relay socket of one of the container's consoles, owned by the caller. devname: empty for
     * the first console, consoleN (libvirt's alias) or ttyN+1 (the container's name for it).
     */
    public int openConsole(String name, String devname, boolean force) throws CorralException {
        Container c = registry.lookup(name);
        int index = consoleIndex(devname);
        RunningContainer rc;
        int consoles;
        synchronized (c) {
            rc = requireRunning(c);
            consoles = c.liveDefinition().getDevices().getConsoles().size();
        }
        if (index >= consoles) {
            throw CorralException.invalidArgs("container '" + name + "' has no console '" + devname + "' (it has "
                    + consoles + ": console0" + (consoles > 1 ? " to console" + (consoles - 1) : "") + ")");
        }
        return rc.openConsole(index, force);
    }

    static int consoleIndex(String devname) throws CorralException {
        try {
            if (devname.isEmpty()) {
                return 0;
            }
            if (devname.matches("console[0-9]{1,3}")) {
                return Integer.parseInt(devname.substring(7));
            }
            if (devname.matches("tty[1-9][0-9]{0,2}")) {
                return Integer.parseInt(devname.substring(3)) - 1;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw CorralException.invalidArgs("unknown console '" + devname + "': use console0, console1, ... or tty1, tty2, ...");
    }

    /**
     * Runs a command inside the running container; returns once it runs. The end reaches
     * {@code onEnd} on the monitor thread.
     */
    public ExecProcess exec(String name, List<String> argv, List<String> env, List<Integer> stdio,
            ExecProcess.EndListener onEnd) throws CorralException {
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw CorralException.invalidArgs("Exec needs a command: argv is empty");
        }
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) {
                throw CorralException.invalidArgs("argv holds a NUL byte");
            }
        }
        for (String e : env) {
            if (e.indexOf('=') <= 0 || e.indexOf('\0') >= 0) {
                throw CorralException.invalidArgs("environment entry '" + e + "' is not NAME=value");
            }
        }
        Container c = registry.lookup(name);
        RunningContainer rc;
        Domain live;
        synchronized (c) {
            rc = requireRunning(c);
            live = c.liveDefinition();
        }
        List<String> resolved = new java.util.ArrayList<>(argv);
        resolved.set(0, resolveCommand(rc, argv.get(0)));
        return launcher.exec(rc, live, execIds.incrementAndGet(), resolved,
                env.isEmpty() ? org.corral.launcher.ContainerPlanner.defaultExecEnvironment() : env, stdio, onEnd);
    }

    private final java.util.concurrent.atomic.AtomicLong execIds = new java.util.concurrent.atomic.AtomicLong();

    /** A bare command name is looked up in the container's /bin, /usr/bin, /sbin, /usr/sbin. */
    private static String resolveCommand(RunningContainer rc, String command) throws CorralException {
        if (command.startsWith("/")) {
            return command;
        }
        if (command.contains("/")) {
            throw CorralException.invalidArgs("command '" + command + "' must be an absolute path or a bare name");
        }
        // Seen from the host through init's root, so no namespace has to be entered.
        java.nio.file.Path root = ContainerRoot.of(rc.init().pid());
        for (String dir : org.corral.launcher.ContainerPlanner.EXEC_PATH) {
            java.nio.file.Path p = ContainerRoot.resolve(root, dir + "/" + command);
            if (p != null && java.nio.file.Files.isExecutable(p) && !java.nio.file.Files.isDirectory(p)) {
                return dir + "/" + command;
            }
        }
        throw CorralException.invalidArgs("command '" + command + "' not found in the container's "
                + String.join(":", org.corral.launcher.ContainerPlanner.EXEC_PATH));
    }

    /** The resource figures of a running container (see StatsReader for the names). */
    public java.util.Map<String, Number> stats(String name, org.corral.launcher.StatsReader reader) throws CorralException {
        Container c = registry.lookup(name);
        RunningContainer rc;
        synchronized (c) {
            rc = requireRunning(c);
        }
        return reader.read(rc);
    }

    private final java.util.Map<Container, CompletableFuture<Void>> pendingStops = new java.util.concurrent.ConcurrentHashMap<>();

    private static RunningContainer requireRunning(Container c) throws CorralException {
        if (!c.state().isActive() || c.running().isEmpty()) {
            throw new CorralException(Kind.NOT_RUNNING, "container '" + c.name() + "' is not running (" + c.state().busName() + ")");
        }
        return c.running().get();
    }

    /** init ended: clean up, then apply the definition's action for this kind of end. */
    private void exited(Container c, RunningContainer rc, ExitStatus status, CompletableFuture<Void> booked) {
        events.execute(() -> {
            try {
                booked.join();
                handleExit(c, rc, status);
            } catch (RuntimeException e) {
                LOG.error("container '{}': handling the end of init failed", c.name(), e);
            } finally {
                CompletableFuture<Void> waiter = pendingStops.remove(c);
                if (waiter != null) {
                    waiter.complete(null);
                }
            }
        });
    }

    private void handleExit(Container c, RunningContainer rc, ExitStatus status) {
        StopIntent intent;
        synchronized (c) {
            if (c.running().orElse(null) != rc) {
                return; // an end already handled, or of an instance that never got recorded
            }
            intent = c.stopIntent();
        }
        // Queued after the registration, so an early end never leaves a machine behind.
        CompletableFuture<Void> unregistered = machines.unregister(c.name(), n -> machineNameChanged(c, n));
        rc.cleanUp();
        launcher.plumber().unplumb(rc.nics());
        awaitQuietly(unregistered);
        Domain live = c.liveDefinition();
        Action action = decide(intent, status, live);
        audit.stop(live, action.state == ContainerState.STARTING ? "reboot" : action.reason.busName());
        LOG.info("container '{}' ended ({}), {}", c.name(), status, action.describe());
        synchronized (c) {
            c.setRunning(null);
            c.setExitStatus(status.shellStatus());
            c.setStopIntent(StopIntent.NONE);
            registry.transition(c, action.state, action.reason);
        }
        if (action.state == ContainerState.STARTING) {
            try {
                launch(c, live, List.of(), List.of(), Reason.REBOOTED);
            } catch (CorralException e) {
                LOG.error("container '{}': restart failed: {}", c.name(), e.getMessage());
            }
            return;
        }
        if (action.state == ContainerState.SHUTOFF) {
            if (!c.isPersistent()) {
                // Nothing will ask for them, and a runtime dir is memory. Before the name is free
                // again: a new container of the same name makes its own.
                launcher.removeLogs(c.name());
            }
            registry.forget(c);
        }
    }

    /**
     * Once on the bus: containers found running are registered with machined again when their
     * machine is missing, and every start from now on registers.
     */
    public void attachMachines(Machines m) {
        this.machines = m;
        launcher.useMachineScopes(m);
        List<Machines.Spec> running = new java.util.ArrayList<>();
        java.util.Map<String, java.util.function.Consumer<String>> callbacks = new java.util.HashMap<>();
        for (Container c : registry.list()) {
            RunningContainer rc;
            Domain live;
            synchronized (c) {
                rc = c.running().orElse(null);
                live = c.liveDefinition();
            }
            if (rc != null && live != null && rc.init() != null && rc.init().pid() > 0) {
                running.add(machineSpec(c, live, rc));
                callbacks.put(c.name(), n -> machineNameChanged(c, n));
            }
        }
        m.reattach(running, callbacks);
    }

    private static Machines.Spec machineSpec(Container c, Domain live, RunningContainer rc) {
        return new Machines.Spec(c.name(), live.getUuid(), rc.init().pid(), ContainerPlanner.rootDirectory(live),
                Machines.ifindices(rc.nics()),
                () -> c.running().orElse(null) == rc && rc.init().isAlive());
    }

    private void machineNameChanged(Container c, String name) {
        if (!name.equals(c.machineName())) {
            c.setMachineName(name);
            registry.announce(c, java.util.Set.of("MachineName"));
        }
    }

    private static void awaitQuietly(CompletableFuture<Void> f) {
        try {
            f.get(UNREGISTER_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warn("machined did not answer within {} s; the machine is removed later", UNREGISTER_WAIT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The inode of a process's PID namespace, for the op=init audit record. */
    private static long pidNamespace(int pid) {
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/ns/pid")).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** What follows an end of init: the next state and the reason the signal carries. */
    record Action(ContainerState state, Reason reason) {
        String describe() {
            return state == ContainerState.STARTING ? "restarting" : "now " + state.busName() + " (" + reason.busName() + ")";
        }
    }

    /**
     * How an end of init is read. Asked to stop: destroyed or shutdown. Asked to reboot, or init
     * killed by SIGHUP (the kernel's answer to reboot() inside a PID namespace, and libvirt's
     * reboot signal): on_reboot. Exit status 0: on_poweroff. Anything else is a crash: on_crash.
     */
    static Action decide(StopIntent intent, ExitStatus status, Domain live) {
        if (intent == StopIntent.DESTROY) {
            return new Action(ContainerState.SHUTOFF, Reason.DESTROYED);
        }
        if (intent == StopIntent.REBOOT || status.killedBy(ExitStatus.SIGHUP)) {
            return onAction(live.getOnReboot(), Reason.REBOOTED, Reason.SHUTDOWN);
        }
        if (intent == StopIntent.SHUTDOWN || (status.code() == 0 && status.signal() == 0)) {
            return onAction(live.getOnPoweroff(), Reason.SHUTDOWN, Reason.SHUTDOWN);
        }
        return onAction(live.getOnCrash(), Reason.CRASHED, Reason.CRASHED);
    }

    /** destroy / restart / preserve (and libvirt's variants of them) for containers. */
    private static Action onAction(String action, Reason restartReason, Reason stopReason) {
        String a = action == null ? "destroy" : action;
        return switch (a) {
            case "restart", "rename-restart", "coredump-restart" -> new Action(ContainerState.STARTING, restartReason);
            case "preserve" -> new Action(stopReason == Reason.CRASHED ? ContainerState.CRASHED : ContainerState.SHUTOFF, stopReason);
            default -> new Action(ContainerState.SHUTOFF, stopReason);
        };
    }

    /**
     * After a service restart: every container that has a state file is found again; those
     * whose supervisor is gone get their recorded end handled now.
     */
    public void reattachAll() {
        for (LiveState state : launcher.leftovers()) {
            try {
                Container c = registry.find(state.name()).orElse(null);
                Domain live = launcher.liveDefinition(state.name());
                if (c == null) {
                    c = registry.addTransient(live);
                }
                StopIntent intent = switch (state.stopIntent()) {
                    case "shutdown" -> StopIntent.SHUTDOWN;
                    case "reboot" -> StopIntent.REBOOT;
                    case "destroy" -> StopIntent.DESTROY;
                    default -> StopIntent.NONE;
                };
                Container container = c;
                CompletableFuture<Void> booked = new CompletableFuture<>();
                synchronized (c) {
                    c.setLiveDefinition(live);
                    c.setStopIntent(intent);
                    registry.transition(c, ContainerState.STARTING, Reason.BOOTED);
                }
                RunningContainer rc = launcher.reattach(state, (r, status) -> exited(container, r, status, booked));
                synchronized (c) {
                    c.setRunning(rc);
                    registry.transition(c, ContainerState.RUNNING, Reason.BOOTED);
                    if (intent != StopIntent.NONE) {
                        registry.transition(c, ContainerState.STOPPING, Reason.REQUESTED);
                    }
                }
                booked.complete(null);
                // Its addresses stay taken while it runs; the end (now or later) releases them.
                launcher.plumber().adopt(state.name(), state.uuid(), state.nics());
                rc.reportExitIfSupervisorGone();
                LOG.info("re-attached container '{}' (init {})", state.name(), state.initPid());
            } catch (IOException | CorralException | RuntimeException e) {
                LOG.error("cannot re-attach container '{}': {}", state.name(), e.getMessage());
            }
        }
    }

    public void close() {
        events.shutdown();
        launcher.close();
    }
}
