package org.corral.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.config.model.Filesystem;
import org.corral.config.model.Idmap;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.corral.launcher.cgroup.CgroupLimits;
import org.corral.launcher.cgroup.CgroupManager;
import org.corral.launcher.cgroup.ContainerCgroup;
import org.corral.launcher.supervisor.SupervisorMonitor;
import org.corral.launcher.supervisor.SupervisorSpawner;
import org.corral.meminfo.MeminfoServer;
import org.corral.network.InterfacePlumber;
import org.corral.store.AtomicFile;
import org.corral.sys.Native;
import org.corral.sys.SyscallException;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Starts containers and finds them again. A start is a transaction: each resource taken
 * (cgroup, state files, supervisor) is pushed on an undo stack, and any failure releases exactly
 * those, in reverse, before the caller hears the real reason.
 */
public final class Launcher {

    private static final Logger LOG = LogManager.getLogger(Launcher.class);

    /** Default resource partition, as libvirt's. */
    public static final String DEFAULT_PARTITION = "/machine";
    /** How long a supervisor may take to report exec success or failure. */
    private static final long HANDSHAKE_SECONDS = 30;
    /** At most this many fds reach init; D-Bus itself carries no more than 16 per message. */
    public static final int MAX_PASSED_FDS = 16;

    private final SupervisorSpawner spawner;
    private final Path runtimeDir;
    private final CgroupManager cgroups;
    private final SupervisorMonitor monitor;
    private final InterfacePlumber plumber;
    private volatile MachineScopes scopes = MachineScopes.NONE;

    public Launcher(Path supervisorBinary, Path runtimeDir, CgroupManager cgroups, SupervisorMonitor monitor,
            InterfacePlumber plumber) {
        this.plumber = plumber;
        this.spawner = new SupervisorSpawner(supervisorBinary, monitor);
        this.runtimeDir = runtimeDir;
        this.cgroups = cgroups;
        this.monitor = monitor;
    }

    public InterfacePlumber plumber() {
        return plumber;
    }

    /** From now on, containers run in machine scopes where the host has them. */
    public void useMachineScopes(MachineScopes scopes) {
        this.scopes = scopes;
    }

    /** As libvirt: the container's root owns its cgroup (systemd inside can manage it). */
    private static void chownToMappedRoot(ContainerCgroup cg, Domain live) throws IOException {
        if (live.getIdmap() != null) {
            cg.chown(UserNamespace.rootUid(live.getIdmap()), UserNamespace.rootGid(live.getIdmap()));
        }
    }

    private static void abandonQuietly(RunningContainer rc) {
        try {
            rc.abandonStart(HANDSHAKE_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void killQuietly(int pid) {
        try {
            Native.kill(pid, 9);
        } catch (SyscallException e) {
            // already gone
        }
    }

    public LaunchPaths pathsOf(String name) {
        return new LaunchPaths(runtimeDir, name);
    }

    /**
     * Starts init for a definition and returns once it runs (exec succeeded) or throws with the
     * reason. {@code onExit} hears, once, how init ended; it runs on the monitor thread.
     */
    public RunningContainer launch(Domain live, boolean persistent, List<Integer> passedFds,
            RunningContainer.ExitListener onExit) throws CorralException {
        return launch(live, persistent, passedFds, List.of(), onExit);
    }

    /** @param fdNames one name per passed fd for LISTEN_FDNAMES, or empty */
    public RunningContainer launch(Domain live, boolean persistent, List<Integer> passedFds, List<String> fdNames,
            RunningContainer.ExitListener onExit) throws CorralException {
        LaunchPaths paths = pathsOf(live.getName());
        Deque<Runnable> undo = new ArrayDeque<>();
        if (passedFds.size() > MAX_PASSED_FDS) {
            throw CorralException.invalidArgs("at most " + MAX_PASSED_FDS + " file descriptors can be passed, not "
                    + passedFds.size());
        }
        try {
            ContainerPlanner.checkSupported(live);
            checkSources(live);
            prepareFiles(paths);
            // Loop devices for images (detached on rollback), and the type of each device.
            Map<String, BlockFilesystems.BlockMount> blocks = BlockFilesystems.prepare(live, undo);
            List<String> loops = BlockFilesystems.loops(blocks);
            String partition = live.getPartition() == null ? DEFAULT_PARTITION : live.getPartition();
            CgroupLimits limits = CgroupLimits.of(live);
            List<CgroupLimits.DeviceRule> blockRules = BlockFilesystems.deviceRules(live, blocks);
            if (!blockRules.isEmpty()) {
                List<CgroupLimits.DeviceRule> devices = new ArrayList<>(limits.devices());
                devices.addAll(blockRules);
                limits = new CgroupLimits(limits.memoryBytes(), limits.memorySoftBytes(), limits.swapHardBytes(),
                        limits.cpuShares(), limits.cpuPeriodUs(), limits.cpuQuotaUs(), limits.blkioWeight(), devices);
            }
            // On a systemd host the container runs in the machine scope machined makes during the
            // pause below; elsewhere in corral's own cgroup, joined by init.
            Optional<String> scope = scopes.scopeCgroup(live.getName(), partition);
            // Network interfaces and uid/gid maps are made while init waits after clone: the
            // supervisor pauses. Otherwise init sets up its namespaces while the cgroup is made,
            // and waits at the plan's gate only for that (ContainerPlanner.gated).
            boolean nics = !live.getDevices().getInterfaces().isEmpty();
            Idmap idmap = live.getIdmap();
            boolean pause = nics || idmap != null || scope.isPresent();
            ContainerCgroup cg;
            if (scope.isPresent()) {
                cg = cgroups.payloadOf(scope.get());
                undo.push(cg::removeQuietly);
            } else if (!pause) {
                cg = cgroups.prepare(partition, live.getName());
                ContainerCgroup prepared = cg;
                undo.push(() -> cgroups.removePrepared(prepared));
            } else {
                cg = cgroups.create(partition, live.getName(), limits);
                chownToMappedRoot(cg, live);
                undo.push(cg::removeQuietly);
            }
            Path meminfo = meminfoFor(live.getName());
            Plan plan = ContainerPlanner.plan(live, new ContainerPlanner.Context(paths, cg, cgroups.layout(),
                    passedFds.size(), pause, meminfo, sourceOwners(live), fdNames, blocks, scope.isPresent()));
            long startedAt = nowMicros();
            // State first: a service killed from here on finds the container again by its socket.
            new LiveState(live.getName(), live.getUuid(), persistent, cg.relativePath(), startedAt, 0, 0, 0, 0, "none",
                    List.of(), loops).write(paths.stateFile());
            undo.push(() -> deleteQuietly(paths.stateFile()));
            if (meminfo != null) {
                // The server knows the name from the state file: looked up from now on.
                MeminfoServer.lookAhead(meminfo);
            }
            RunningContainer rc = new RunningContainer(live.getName(), live.getUuid(), paths, cg, onExit);
            rc.setLoops(loops);
            rc.setReconnector(this::reconnect);
            spawnSupervisor(plan, paths, passedFds, rc);
            undo.push(() -> deleteQuietly(paths.socket()));
            // A start given up before `started` (a cgroup, a veth, machined failed) ends the
            // supervisor, which waits for `go` or is running init's steps, before the rest is undone.
            undo.push(() -> abandonQuietly(rc));
            // While init sets up: nothing runs in the container before `go`, and a service killed
            // before it leaves no container (the supervisor ends it), so no live XML is missed.
            AtomicFile.write(paths.liveXml(), DomainXml.format(live).getBytes(StandardCharsets.UTF_8), "rw-------", false);
            undo.push(() -> deleteQuietly(paths.liveXml()));
            if (!pause) {
                completeCgroupAtGate(rc, cg, partition, limits, undo);
            }
            String first = awaitHandshake(rc, paths);
            if (!pause && first.startsWith("spawned ")) {
                first = awaitHandshake(rc, paths);
            } else if (pause && first.startsWith("spawned ")) {
                int initPid = Integer.parseInt(first.substring("spawned ".length()).trim());
                // Init waits for "go": a failure from here on must end it, or its cgroup stays busy.
                undo.push(() -> killQuietly(initPid));
                if (idmap != null) {
                    // Before the supervisor makes idmapped mounts: they copy these maps.
                    UserNamespace.writeMaps(initPid, idmap);
                }
                if (nics) {
                    // Recorded before init runs, so that a killed service can still remove them.
                    rc.setNics(plumber.plumb(live, initPid, live.getUuid()));
                    undo.push(() -> plumber.unplumb(rc.nics()));
                    new LiveState(live.getName(), live.getUuid(), persistent, cg.relativePath(), startedAt, 0, 0, 0, 0,
                            "none", rc.nics(), loops).write(paths.stateFile());
                }
                if (scope.isPresent()) {
                    scopes.create(live.getName(), live.getUuid(), initPid, ContainerPlanner.rootDirectory(live),
                            rc.nics(), partition);
                    cgroups.createPayload(scope.get(), initPid, limits);
                    chownToMappedRoot(cg, live);
                }
                rc.sendGo();
                first = awaitHandshake(rc, paths);
            }
            if (!first.startsWith("started ")) {
                throw startFailure(first, plan, live, paths);
            }
            String[] f = first.split(" ");
            rc.running(new ProcessIdentity(Integer.parseInt(f[1]), Long.parseLong(f[2])),
                    new ProcessIdentity(Integer.parseInt(f[3]), Long.parseLong(f[4])), startedAt);
            writeState(rc, persistent, "none");
            return rc;
        } catch (IOException e) {
            rollback(undo);
            throw new CorralException(Kind.FAILED, "cannot start container '" + live.getName() + "': " + e.getMessage(), e);
        } catch (CorralException | RuntimeException e) {
            rollback(undo);
            throw e;
        }
    }

    /**
     * Has a standby supervisor spawned for the next start, on a thread of its own; called after
     * every start, whether it took the standby or failed.
     */
    public void refillStandby() {
        spawner.refill();
    }

    /**
     * While init sets up its namespaces up to its gate: the rest of the container's cgroup, then
     * `go`. A cgroup that cannot be made fails the start (the rollback ends the supervisor and
     * init). A `go` that finds the supervisor gone is no error of its own: its report follows.
     */
    private void completeCgroupAtGate(RunningContainer rc, ContainerCgroup cg, String partition, CgroupLimits limits,
            Deque<Runnable> undo) throws CorralException {
        cgroups.complete(cg, partition, limits);
        undo.push(cg::removeQuietly);
        try {
            rc.sendGo();
        } catch (IOException e) {
            LOG.debug("container '{}': go not delivered: {}", rc.name(), e.getMessage());
        }
    }

    private volatile boolean meminfoWarned;

    /**
     * The container's FUSE /proc/meminfo, served by the host-wide corral-meminfo process that
     * outlives this service. Without it (no FUSE on the host) the container starts with the
     * host's meminfo, and the log says so once.
     */
    private Path meminfoFor(String name) {
        try {
            MeminfoServer.ensureRunning(runtimeDir);
            return MeminfoServer.meminfoFile(runtimeDir, name);
        } catch (IOException | RuntimeException e) {
            if (!meminfoWarned) {
                meminfoWarned = true;
                LOG.warn("containers see the host's /proc/meminfo: the meminfo server is unavailable: {}", e.getMessage());
            }
            return null;
        }
    }

    /** Rewrites the state file, e.g. when a stop is requested or the container became transient. */
    public void writeState(RunningContainer rc, boolean persistent, String stopIntent) throws IOException {
        new LiveState(rc.name(), rc.uuid(), persistent, rc.cgroup().relativePath(), rc.startedAtMicros(),
                rc.supervisor().pid(), rc.supervisor().startTime(), rc.init().pid(), rc.init().startTime(), stopIntent,
                rc.nics(), rc.loops()).write(rc.paths().stateFile());
    }

    /** Containers left running by an earlier service process, from their state files. */
    public List<LiveState> leftovers() {
        List<LiveState> out = new ArrayList<>();
        try (var files = Files.newDirectoryStream(runtimeDir, "*.state")) {
            for (Path f : files) {
                try {
                    out.add(LiveState.read(f));
                } catch (IOException e) {
                    LOG.error("ignoring {}: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.error("cannot read runtime directory {}: {}", runtimeDir, e.getMessage());
        }
        return out;
    }

    /** The live definition a running container was started with. */
    public Domain liveDefinition(String name) throws IOException, CorralException {
        return DomainXml.parse(Files.readString(pathsOf(name).liveXml(), StandardCharsets.UTF_8));
    }

    /**
     * Finds a container again after a service restart: connects to its supervisor and asks for
     * status. When the supervisor is gone, {@link RunningContainer#reportExitIfSupervisorGone}
     * reports the recorded end once the caller has done its bookkeeping.
     */
    public RunningContainer reattach(LiveState state, RunningContainer.ExitListener onExit) {
        LaunchPaths paths = pathsOf(state.name());
        ContainerCgroup cg = cgroups.existing(state.cgroup());
        RunningContainer rc = new RunningContainer(state.name(), state.uuid(), paths, cg, onExit);
        rc.running(new ProcessIdentity(state.initPid(), state.initStart()),
                new ProcessIdentity(state.supervisorPid(), state.supervisorStart()), state.startedAtMicros());
        rc.setNics(state.nics());
        rc.setLoops(state.loops());
        rc.setReconnector(this::reconnect);
        rc.skipHandshake(); // every line is an event
        try {
            AFUNIXSocketChannel ch = AFUNIXSocketChannel.open(AFUNIXSocketAddress.of(paths.socket()));
            rc.attach(monitor.watch(ch, rc));
            // The answer also tells init's PID when the service died before "started".
            rc.requestStatus();
            return rc;
        } catch (IOException e) {
            rc.markSupervisorGone();
            return rc;
        }
    }

    /**
     * Runs a command in a running container through corral-supervisor's enter mode; returns once
     * it runs, or throws with the reason (command not found, container gone).
     */
    public ExecProcess exec(RunningContainer rc, Domain live, long id, List<String> argv, List<String> env,
            List<Integer> stdio, ExecProcess.EndListener onEnd) throws CorralException {
        Plan plan = ContainerPlanner.execPlan(live, rc.init().pid(), rc.cgroup(), argv, env);
        ExecProcess p = new ExecProcess(id, onEnd);
        try {
            spawnSupervisor(plan, rc.paths(), stdio, p);
            String first = awaitFirstLine(p.firstLine(), rc.paths());
            if (!first.startsWith("started ")) {
                throw execFailure(first, rc.name(), argv.get(0));
            }
            p.started(Integer.parseInt(first.split(" ")[1]));
            return p;
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot run " + argv.get(0) + " in container '" + rc.name() + "': "
                    + e.getMessage(), e);
        }
    }

    private static CorralException execFailure(String line, String name, String command) {
        String[] f = line.split(" ", 5);
        if (f.length >= 4 && f[0].equals("failed")) {
            int errno = Integer.parseInt(f[3]);
            if (f[2].equals("exec") && errno == org.corral.sys.Errno.ENOENT) {
                return CorralException.invalidArgs("command " + command + " not found in container '" + name + "'");
            }
            return new CorralException(Kind.FAILED, "cannot run " + command + " in container '" + name + "': step '"
                    + f[2] + "' failed on " + (f.length > 4 ? f[4] : "") + ": " + org.corral.sys.Errno.describe(errno));
        }
        return new CorralException(Kind.FAILED, "cannot run " + command + " in container '" + name
                + "': the enter process ended without a report");
    }

    /** A new control connection to a running container's supervisor, through its socket. */
    private boolean reconnect(RunningContainer rc) {
        try {
            AFUNIXSocketChannel ch = AFUNIXSocketChannel.open(AFUNIXSocketAddress.of(rc.paths().socket()));
            rc.attach(monitor.watch(ch, rc));
            rc.requestStatus();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A supervisor for the plan: a container's may go to the standby (its plan names the log),
     * an Exec's has the caller's stdio among its fds and gets a fresh one.
     */
    private void spawnSupervisor(Plan plan, LaunchPaths paths, List<Integer> passedFds,
            org.corral.launcher.supervisor.SupervisorConnection.Listener listener) throws IOException {
        RunningContainer container = listener instanceof RunningContainer rc ? rc : null;
        spawner.start(plan.encode(), paths.supervisorLog(), passedFds, container != null, listener, conn -> {
            if (container != null) {
                container.attach(conn);
            }
        });
    }

    /** Ends the standby supervisor; running containers and their supervisors go on. */
    public void close() {
        spawner.close();
    }

    private static String awaitHandshake(RunningContainer rc, LaunchPaths paths) throws IOException {
        try {
            String line = rc.nextHandshakeLine(HANDSHAKE_SECONDS);
            if (line == null) {
                throw new IOException("the supervisor did not report within " + HANDSHAKE_SECONDS + " s (see "
                        + paths.supervisorLog() + ")");
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting");
        }
    }

    private static String awaitFirstLine(java.util.concurrent.CompletableFuture<String> firstLine, LaunchPaths paths)
            throws IOException {
        try {
            return firstLine.get(HANDSHAKE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the supervisor did not report within " + HANDSHAKE_SECONDS + " s (see "
                    + paths.supervisorLog() + ")");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting");
        }
    }

    /** Turns "failed STEP OP ERRNO ARG" into a message that names the real reason. */
    static CorralException startFailure(String line, Plan plan, Domain live, LaunchPaths paths) {
        String name = live.getName();
        if (line.isEmpty()) {
            return new CorralException(Kind.FAILED, "cannot start container '" + name
                    + "': the supervisor ended without a report (see " + paths.supervisorLog() + ")");
        }
        String[] f = line.split(" ", 5);
        if (f.length < 4 || !f[0].equals("failed")) {
            return new CorralException(Kind.FAILED, "cannot start container '" + name + "': unexpected supervisor answer '"
                    + line + "'");
        }
        String op = f[2];
        int errno = Integer.parseInt(f[3]);
        String arg = f.length > 4 ? f[4] : "";
        String why = org.corral.sys.Errno.describe(errno);
        Filesystem rootFs = ContainerPlanner.rootFilesystem(live);
        String root = rootFs == null ? "/ (the host's)" : BlockFilesystems.sourceOf(rootFs);
        String message = switch (op) {
            case "exec" -> errno == org.corral.sys.Errno.ENOENT
                    ? "init " + arg + " not found in root " + root
                    : "cannot execute init " + arg + " in root " + root + ": " + why;
            case "mount" -> "cannot mount " + describeStep(plan, Integer.parseInt(f[1])) + ": " + why;
            case "cgroupprocs", "cgroupjoin" -> "cannot move init into its cgroup (" + arg + "): " + why;
            case "idmap" -> idmapFailure(live, arg, errno, why);
            default -> "step '" + op + "' failed on " + arg + ": " + why;
        };
        return new CorralException(Kind.FAILED, "cannot start container '" + name + "': " + message);
    }

    /**
     * An idmapped mount the kernel refused. Only the root's can fail a start (other sources are
     * bound as they are): a root not owned by the mapped root then has no way to work.
     */
    private static String idmapFailure(Domain live, String source, int errno, String why) {
        boolean refused = errno == org.corral.sys.Errno.EINVAL || errno == 1 /* EPERM */
                || errno == 38 /* ENOSYS */ || errno == 95 /* EOPNOTSUPP */;
        if (refused && live.getIdmap() != null) {
            return UserNamespace.ownershipRefusal(source, UserNamespace.owner(Path.of(source)), live.getIdmap());
        }
        return "cannot make an idmapped mount of " + source + ": " + why;
    }

    /**
     * With {@code <idmap>}: the owners of the directories the container binds from the host, so
     * that the plan idmaps those not already owned by the mapped root; and a root below a directory
     * the mapped root cannot search is refused now, with the directory named.
     */
    private static Map<String, Long> sourceOwners(Domain d) throws CorralException {
        Idmap idmap = d.getIdmap();
        Filesystem rootFs = ContainerPlanner.rootFilesystem(d);
        if (idmap == null || rootFs == null || UserNamespace.rootUid(idmap) < 0) {
            return Map.of(); // nothing to idmap, or the planner refuses the definition
        }
        String problem = UserNamespace.unsearchableParent(Path.of(rootFs.getSource().getDir()), idmap);
        if (problem != null) {
            throw new CorralException(Kind.FAILED, "cannot start container '" + d.getName() + "': " + problem);
        }
        Map<String, Long> owners = new HashMap<>();
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            if (fs.getType().equals("mount")) {
                long owner = UserNamespace.owner(Path.of(fs.getSource().getDir()));
                if (owner >= 0) {
                    owners.put(fs.getSource().getDir(), owner);
                }
            }
        }
        return owners;
    }

    private static String describeStep(Plan plan, int index) {
        if (index < 0 || index >= plan.steps().size()) {
            return "?";
        }
        List<String> rec = plan.steps().get(index);
        String src = rec.get(1).isEmpty() ? rec.get(3) : rec.get(1);
        return src + " on " + rec.get(2);
    }

    /** Checks what the plan will need on the host, for errors that name the config element. */
    private static void checkSources(Domain d) throws CorralException {
        Filesystem rootFs = ContainerPlanner.rootFilesystem(d);
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            if (!fs.getType().equals("mount") || fs == rootFs) {
                continue;
            }
            Path src = Path.of(fs.getSource().getDir());
            if (!Files.isDirectory(src)) {
                throw new CorralException(Kind.FAILED, "cannot start container '" + d.getName() + "': filesystem source "
                        + src + " (target " + fs.getTargetDir() + ") " + (Files.exists(src) ? "is not a directory" : "does not exist"));
            }
        }
        if (rootFs != null && !BlockFilesystems.isBlock(rootFs) && !Files.isDirectory(Path.of(rootFs.getSource().getDir()))) {
            Path root = Path.of(rootFs.getSource().getDir());
            throw new CorralException(Kind.FAILED, "cannot start container '" + d.getName() + "': root " + root
                    + (Files.exists(root) ? " is not a directory" : " does not exist"));
        }
    }

    /** The console log and the supervisor's log of a transient container that has ended. */
    public void removeLogs(String name) {
        LaunchPaths paths = pathsOf(name);
        deleteQuietly(paths.consoleLog());
        deleteQuietly(paths.supervisorLog());
    }

    private static void prepareFiles(LaunchPaths paths) throws IOException {
        Files.createDirectories(paths.runtimeDir());
        Files.deleteIfExists(paths.exitFile());
        Files.deleteIfExists(paths.consoleLog());
    }

    private static void rollback(Deque<Runnable> undo) {
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                LOG.error("rollback step failed", e);
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", p, e.getMessage());
        }
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
