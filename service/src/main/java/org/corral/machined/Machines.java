package org.corral.machined;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.core.CorralException;
import org.corral.launcher.MachineScopes;
import org.corral.network.PlumbedInterface;
import org.freedesktop.dbus.DBusMatchRule;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBus;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/**
 * Registers running containers with systemd-machined, as libvirt's LXC driver does: the machine
 * name is the container's name, class "container", service "corral", the leader is init.
 *
 * <p>With systemd as init (libvirt's way): while init waits to be released, the launcher asks for
 * the machine ({@link #create}: CreateMachineWithNetwork, CreateMachine on an older machined);
 * machined has systemd make a delegated scope, machine-NAME.scope in the partition's slice, and
 * move init there; the container then runs in the scope's payload child. Registering a container
 * after its start would instead pull init out of its cgroups and limits, so this is the only way
 * on such hosts.
 *
 * <p>Without systemd, after the start: RegisterMachineWithNetwork / RegisterMachine register the
 * unit init already runs in (the launcher puts init into {@code machine.slice/corral-<name>.scope}
 * of the unified cgroup hierarchy for that). Every stop undoes either: TerminateMachine for
 * created machines, UnregisterMachine for registered ones, and NoSuchMachine counts as done.
 *
 * <p>All calls run on one thread of their own, in the order they were asked for: the
 * unregistration asked for by an early end always follows the registration. Without machined on
 * the bus, the log says so once and containers run as before, in corral's own cgroups; starts
 * then do not ask the bus again until machined's name gets an owner.
 */
public final class Machines implements AutoCloseable, MachineScopes {

    private static final Logger LOG = LogManager.getLogger(Machines.class);

    public static final String SERVICE = "corral";
    static final String CLASS = "container";
    static final String NO_SUCH_MACHINE = "org.freedesktop.machine1.NoSuchMachine";
    static final String UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod";

    /** What a registration needs, taken when the container started. */
    public record Spec(String name, String uuid, int leader, String rootDirectory, int[] ifindices,
            BooleanSupplier stillRunning) {
    }

    private enum Mode { CREATED, REGISTERED }

    private record Registration(Mode mode, int leader) {
    }

    private final DBusConnection bus;
    private final ExecutorService thread;
    /** Touched on {@link #thread} only. */
    private final Map<String, Registration> registered = new HashMap<>();
    private boolean unavailableLogged;
    /** Learnt from the first CreateMachine that failed for want of systemd: register from then on. */
    private boolean noSystemd;

    private Machines(DBusConnection bus) {
        this.bus = bus;
        this.thread = bus == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "corral-machined");
            t.setDaemon(true);
            return t;
        });
    }

    /** Registration through machined on this bus connection. */
    public static Machines on(DBusConnection bus) {
        Machines m = new Machines(bus);
        m.watchPresence();
        return m;
    }

    /**
     * Whether machined may be there: it had an owner or was activatable when last asked, or its
     * name has had an owner since. When not, a start does not ask the bus (two calls) every time.
     */
    private volatile boolean maybePresent = true;
    /** Counts owner changes of machined's name, so that an answer older than one is not kept. */
    private final AtomicInteger ownerChanges = new AtomicInteger();

    /**
     * Follows the owner of machined's name (a match on that name only: the bus sends nothing
     * about other names), then asks once whether machined runs or can be activated.
     */
    private void watchPresence() {
        try {
            bus.addSigHandler(new NameOwnerRule(Machine1.BUS_NAME), (DBus.NameOwnerChanged s) -> {
                if (Machine1.BUS_NAME.equals(s.name)) {
                    ownerChanges.incrementAndGet();
                    maybePresent = true;
                }
            });
        } catch (DBusException e) {
            LOG.warn("cannot follow systemd-machined on the bus ({}): asking at every start", e.getMessage());
            return;
        }
        submit(this::available);
    }

    /**
     * dbus-java's match rules know no argument matches; this one adds {@code arg0}, so that the
     * bus sends NameOwnerChanged for one name only.
     */
    private static final class NameOwnerRule extends DBusMatchRule {
        private final String name;

        /** Through the signal's class, which is how dbus-java learns which class to deliver. */
        NameOwnerRule(String name) throws DBusException {
            super(DBus.NameOwnerChanged.class);
            this.name = name;
        }

        @Override
        public String toString() {
            return super.toString() + ",arg0='" + name + "'";
        }
    }

    /** No bus (yet): nothing is registered. */
    public static Machines none() {
        return new Machines(null);
    }

    /**
     * A container that has just started: {@code onChange} hears the machine name once it is
     * registered (on the machined thread). Made during the start on a systemd host; registered
     * now elsewhere.
     */
    public void register(Spec spec, Consumer<String> onChange) {
        if (!SYSTEMD_IS_INIT && !maybePresent) {
            return;
        }
        submit(() -> {
            Registration made = registered.get(spec.name());
            if (made != null && made.leader() == spec.leader()) {
                onChange.accept(spec.name());
            } else if (spec.stillRunning().getAsBoolean() && !SYSTEMD_IS_INIT && available()) {
                register(spec, onChange, true);
            }
        });
    }

    /** PID 1 is systemd (not merely /run/systemd/system present, as in tests without systemd). */
    private static final boolean SYSTEMD_IS_INIT = systemdIsInit();

    private static boolean systemdIsInit() {
        try {
            return java.nio.file.Files.isDirectory(java.nio.file.Path.of("/run/systemd/system"))
                    && java.nio.file.Files.readString(java.nio.file.Path.of("/proc/1/comm")).trim().equals("systemd");
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public Optional<String> scopeCgroup(String name, String partition) {
        if (thread == null || !SYSTEMD_IS_INIT) {
            return Optional.empty();
        }
        try {
            boolean up = onThread(this::available);
            return up ? Optional.of(ScopeNames.sliceCgroup(partition) + "/" + ScopeNames.scopeUnit(name)) : Optional.empty();
        } catch (CorralException e) {
            return Optional.empty();
        }
    }

    @Override
    public void create(String name, String uuid, int leader, String rootDirectory, List<PlumbedInterface> nics,
            String partition) throws CorralException {
        Spec spec = new Spec(name, uuid, leader, rootDirectory, ifindices(nics), () -> isAlive(leader));
        String failure = onThread(() -> {
            try {
                createScope(spec, partition, true);
                LOG.info("container '{}' created with machined in {} (leader {})", name, ScopeNames.scopeUnit(name), leader);
                return null;
            } catch (BusCall.Failed e) {
                return e.getMessage();
            }
        });
        if (failure != null) {
            throw new CorralException(CorralException.Kind.FAILED, "cannot create machine '" + name
                    + "' with systemd-machined: " + failure);
        }
    }

    private void createScope(Spec s, String partition, boolean retry) throws BusCall.Failed {
        byte[] id = uuidBytes(s.uuid());
        UInt32 leader = new UInt32(s.leader());
        List<Object[]> scope = new ArrayList<>();
        // machined delegates its scopes already; said again so that no systemd version differs.
        scope.add(new Object[] {"Delegate", new Variant<>(true)});
        if (!partition.equals(ScopeNames.DEFAULT_PARTITION)) {
            scope.add(new Object[] {"Slice", new Variant<>(ScopeNames.sliceUnit(partition))});
        }
        try {
            try {
                manager("CreateMachineWithNetwork", "sayssusaia(sv)", s.name(), id, SERVICE, CLASS, leader,
                        s.rootDirectory(), s.ifindices(), scope);
            } catch (BusCall.Failed e) {
                if (!e.is(UNKNOWN_METHOD)) {
                    throw e;
                }
                manager("CreateMachine", "sayssusa(sv)", s.name(), id, SERVICE, CLASS, leader, s.rootDirectory(), scope);
            }
        } catch (BusCall.Failed e) {
            Registration existing = lookupQuietly(s.name());
            if (retry && existing != null && !isAlive(existing.leader())) {
                // Left over by a container that ended while nobody unregistered it.
                remove(s.name(), existing.mode());
                createScope(s, partition, false);
                return;
            }
            throw e;
        }
        registered.put(s.name(), new Registration(Mode.CREATED, s.leader()));
    }

    /** Runs on the machined thread, in order with the registrations, and waits for the answer. */
    private <T> T onThread(java.util.concurrent.Callable<T> task) throws CorralException {
        CompletableFuture<T> answer = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    answer.complete(task.call());
                } catch (Exception | Error e) {
                    answer.completeExceptionally(e);
                }
            });
            return answer.get(BusCall.TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | TimeoutException | ExecutionException e) {
            throw new CorralException(CorralException.Kind.FAILED, "machined: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CorralException(CorralException.Kind.FAILED, "interrupted while asking machined");
        }
    }

    /**
     * Undoes the registration of a container that ended; {@code onChange} hears "" once it is
     * gone. The future completes when machined has answered (or there was nothing to do).
     */
    public CompletableFuture<Void> unregister(String name, Consumer<String> onChange) {
        return submit(() -> {
            Registration r = registered.remove(name);
            if (r != null) {
                remove(name, r.mode());
                onChange.accept("");
            }
        });
    }

    /**
     * After a service restart: containers found running keep (or get again) their machine; a
     * machine of ours whose leader is gone is removed.
     */
    public void reattach(List<Spec> running, Map<String, Consumer<String>> onChange) {
        submit(() -> {
            if (!available()) {
                return;
            }
            Map<String, Spec> byName = new HashMap<>();
            running.forEach(s -> byName.put(s.name(), s));
            for (Spec s : running) {
                if (!s.stillRunning().getAsBoolean()) {
                    continue;
                }
                Registration existing = lookupQuietly(s.name());
                if (existing != null && existing.leader() == s.leader()) {
                    registered.put(s.name(), existing);
                    onChange.get(s.name()).accept(s.name());
                    LOG.info("container '{}' is still registered with machined", s.name());
                } else if (SYSTEMD_IS_INIT) {
                    // A new scope would take init out of the payload cgroup it runs in.
                    LOG.warn("container '{}' lost its machine (machined restarted?); it runs on unregistered",
                            s.name());
                } else {
                    register(s, onChange.get(s.name()), true);
                }
            }
            removeStale(byName.keySet());
        });
    }

    private void register(Spec s, Consumer<String> onChange, boolean retry) {
        try {
            Mode mode = createOrRegister(s);
            registered.put(s.name(), new Registration(mode, s.leader()));
            onChange.accept(s.name());
            LOG.info("container '{}' {} with machined (leader {})", s.name(),
                    mode == Mode.CREATED ? "created" : "registered", s.leader());
        } catch (BusCall.Failed e) {
            Registration existing = lookupQuietly(s.name());
            if (existing != null && existing.leader() == s.leader()) {
                registered.put(s.name(), existing);
                onChange.accept(s.name());
                return;
            }
            if (existing != null && retry && !isAlive(existing.leader())) {
                // Left over by a container that ended while nobody unregistered it.
                try {
                    remove(s.name(), existing.mode());
                    register(s, onChange, false);
                    return;
                } catch (RuntimeException e2) {
                    // reported below
                }
            }
            LOG.warn("container '{}' runs without a machined registration: {}", s.name(), e.getMessage());
        }
    }

    private Mode createOrRegister(Spec s) throws BusCall.Failed {
        byte[] id = uuidBytes(s.uuid());
        UInt32 leader = new UInt32(s.leader());
        if (!noSystemd) {
            try {
                try {
                    manager("CreateMachineWithNetwork", "sayssusaia(sv)", s.name(), id, SERVICE, CLASS, leader,
                            s.rootDirectory(), s.ifindices(), List.of());
                } catch (BusCall.Failed e) {
                    if (!e.is(UNKNOWN_METHOD)) {
                        throw e;
                    }
                    manager("CreateMachine", "sayssusa(sv)", s.name(), id, SERVICE, CLASS, leader, s.rootDirectory(),
                            List.of());
                }
                return Mode.CREATED;
            } catch (BusCall.Failed e) {
                if (!lacksSystemd(e)) {
                    throw e;
                }
                noSystemd = true;
                LOG.info("machined cannot create machine scopes without systemd ({}); registering the scopes"
                        + " corral makes instead", e.getMessage());
            }
        }
        try {
            manager("RegisterMachineWithNetwork", "sayssusai", s.name(), id, SERVICE, CLASS, leader, s.rootDirectory(),
                    s.ifindices());
        } catch (BusCall.Failed e) {
            if (!e.is(UNKNOWN_METHOD)) {
                throw e;
            }
            manager("RegisterMachine", "sayssus", s.name(), id, SERVICE, CLASS, leader, s.rootDirectory());
        }
        return Mode.REGISTERED;
    }

    /** The scope could not be made because systemd is not there (not running, not activatable). */
    private boolean lacksSystemd(BusCall.Failed e) {
        String n = e.errorName();
        if (n.equals("org.freedesktop.DBus.Error.ServiceUnknown") || n.startsWith("org.freedesktop.DBus.Error.Spawn.")
                || n.equals("org.freedesktop.DBus.Error.NameHasNoOwner") || e.text().contains("org.freedesktop.systemd1")) {
            return true;
        }
        try {
            Object[] r = BusCall.call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                    "NameHasOwner", "s", "org.freedesktop.systemd1");
            return !Boolean.TRUE.equals(r[0]);
        } catch (BusCall.Failed e2) {
            return false;
        }
    }

    /** Terminate or unregister; a machine that is already gone counts as done. */
    private void remove(String name, Mode mode) {
        String method = mode == Mode.CREATED ? "TerminateMachine" : "UnregisterMachine";
        try {
            manager(method, "s", name);
            LOG.info("container '{}': machine {}", name, mode == Mode.CREATED ? "terminated" : "unregistered");
        } catch (BusCall.Failed e) {
            // Input/output error: machined without systemd failed to stop a scope it cannot stop.
            if (!e.is(NO_SUCH_MACHINE) && !e.text().contains("Input/output error")) {
                LOG.warn("container '{}': {} failed: {}", name, method, e.getMessage());
            }
        }
    }

    /** Machines of service "corral" that none of {@code ours} accounts for and whose leader is gone. */
    private void removeStale(Set<String> ours) {
        try {
            Object[] r = manager("ListMachines", "");
            for (Object o : (List<?>) r[0]) {
                Object[] entry = o instanceof Object[] a ? a : ((org.freedesktop.dbus.Struct) o).getParameters();
                String name = entry[0].toString();
                if (!SERVICE.equals(entry[2].toString()) || ours.contains(name)) {
                    continue;
                }
                Registration stale = lookup(name);
                if (stale != null && !isAlive(stale.leader())) {
                    LOG.info("machine '{}' outlived its container: removing it", name);
                    remove(name, stale.mode());
                }
            }
        } catch (BusCall.Failed | RuntimeException e) {
            LOG.warn("cannot look for stale machines: {}", e.getMessage());
        }
    }

    /** The machine of this name as machined has it, or null when there is none. */
    private Registration lookup(String name) throws BusCall.Failed {
        Object[] r;
        try {
            r = manager("GetMachine", "s", name);
        } catch (BusCall.Failed e) {
            if (e.is(NO_SUCH_MACHINE)) {
                return null;
            }
            throw e;
        }
        String path = r[0] instanceof DBusPath p ? p.getPath() : r[0].toString();
        int leader = ((Number) property(path, "Leader")).intValue();
        String unit = String.valueOf(property(path, "Unit"));
        // A scope machined asked systemd for is machine-NAME.scope; anything else was registered.
        return new Registration(unit.startsWith("machine-") ? Mode.CREATED : Mode.REGISTERED, leader);
    }

    private Registration lookupQuietly(String name) {
        try {
            return lookup(name);
        } catch (BusCall.Failed | RuntimeException e) {
            return null;
        }
    }

    private Object property(String path, String name) throws BusCall.Failed {
        Object v = BusCall.call(bus, Machine1.BUS_NAME, path, "org.freedesktop.DBus.Properties", "Get", "ss",
                Machine1.MACHINE_IFACE, name)[0];
        return v instanceof UInt32 u ? u.longValue() : v;
    }

    private Object[] manager(String method, String signature, Object... args) throws BusCall.Failed {
        return BusCall.call(bus, Machine1.BUS_NAME, Machine1.OBJECT_PATH, "org.freedesktop.machine1.Manager", method,
                signature.isEmpty() ? null : signature, args);
    }

    /** machined runs or can be activated; logs once when it cannot. */
    private boolean available() {
        int changesBefore = ownerChanges.get();
        boolean up = isOnBus();
        if (up || ownerChanges.get() == changesBefore) {
            maybePresent = up;
        }
        return up;
    }

    private boolean isOnBus() {
        try {
            Object[] owner = BusCall.call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                    "NameHasOwner", "s", Machine1.BUS_NAME);
            boolean up = Boolean.TRUE.equals(owner[0]);
            if (!up) {
                Object[] act = BusCall.call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                        "ListActivatableNames", null);
                up = act[0] instanceof List<?> l ? l.contains(Machine1.BUS_NAME)
                        : act[0] instanceof Object[] a && List.of(a).contains(Machine1.BUS_NAME);
            }
            if (up) {
                unavailableLogged = false;
                return true;
            }
        } catch (BusCall.Failed e) {
            // treated as absent
        }
        if (!unavailableLogged) {
            unavailableLogged = true;
            LOG.info("systemd-machined is not on the bus: containers are not registered as machines");
        }
        return false;
    }

    private static boolean isAlive(int pid) {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static byte[] uuidBytes(String uuid) {
        UUID u = UUID.fromString(uuid);
        return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    /** The ifindices of a container's host-side veths, for the ...WithNetwork calls. */
    public static int[] ifindices(List<org.corral.network.PlumbedInterface> nics) {
        List<Integer> out = new ArrayList<>();
        for (var n : nics) {
            if (n.hostIfindex() > 0) {
                out.add(n.hostIfindex());
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private CompletableFuture<Void> submit(Runnable task) {
        if (thread == null) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return CompletableFuture.runAsync(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("machined registration failed", e);
                }
            }, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Stops taking work; registrations stay with machined for the next service process. */
    @Override
    public void close() {
        if (thread != null) {
            thread.shutdown();
            try {
                thread.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
