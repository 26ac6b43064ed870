package org.corral.bus;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.core.Container;
import org.corral.core.ContainerRegistry;
import org.corral.core.ContainerState;
import org.corral.core.Lifecycle;
import org.corral.core.StateMachine;
import org.corral.launcher.ExitStatus;
import org.corral.network.InterfacePlumber;
import org.corral.network.NetworkRegistry;
import org.corral.network.model.NetworkDefinition;
import org.corral.launcher.StatsReader;
import org.freedesktop.dbus.types.UInt32;
import org.corral.core.RegistryListener;
import org.corral1.Manager;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.interfaces.Properties.PropertiesChanged;
import org.freedesktop.dbus.messages.DBusSignal;

/**
 * Puts the registry on the bus: exports the Manager and one object per container, keeps the
 * objects in step with the registry, and emits the lifecycle and PropertiesChanged signals.
 */
public final class BusService implements RegistryListener {

    private static final Logger LOG = LogManager.getLogger(BusService.class);

    private final DBusConnection connection;
    private final ContainerRegistry registry;
    private final ContainerVerbs verbs;
    private final StatsFormat stats;
    private final ManagerObject manager;
    private final Map<String, ContainerObject> objects = new ConcurrentHashMap<>();
    private final NetworkRegistry networkRegistry;
    private final NetworkVerbs networkVerbs;
    private final Map<String, NetworkObject> networkObjects = new ConcurrentHashMap<>();

    public BusService(DBusConnection connection, ContainerRegistry registry, Lifecycle lifecycle, StatsReader statsReader,
            String version, NetworkRegistry networkRegistry, InterfacePlumber plumber) throws DBusException {
        this.connection = connection;
        this.registry = registry;
        this.verbs = new ContainerVerbs(registry, lifecycle, new Authorizer(connection));
        this.stats = new StatsFormat(lifecycle, statsReader);
        this.networkRegistry = networkRegistry;
        this.networkVerbs = new NetworkVerbs(networkRegistry, plumber, verbs.authorizer());
        this.manager = new ManagerObject(registry, verbs, stats, version, networkVerbs);
    }

    /** Exports every object, then takes the bus name: callers never see a half-built service. */
    public void start() throws DBusException {
        export(Manager.OBJECT_PATH, manager, Introspection.MANAGER);
        // Where calls with unreadable fds are refused (see bus/wire): not part of the contract.
        connection.exportObject(org.corral.bus.wire.Rejections.PATH, new org.corral.bus.wire.Rejections.Handler());
        registry.addListener(this);
        for (Container c : registry.list()) {
            exportContainer(c);
        }
        networkRegistry.addListener(new NetworkExports());
        for (NetworkDefinition n : networkRegistry.list()) {
            exportNetwork(n.getName());
        }
        connection.requestBusName(Manager.BUS_NAME);
    }

    @Override
    public void containerAdded(Container container) {
        try {
            ContainerObject object = exportContainer(container);
            send(new Manager.ContainerNew(Manager.OBJECT_PATH, container.name(), new DBusPath(object.getObjectPath())));
        } catch (DBusException e) {
            LOG.error("cannot export container '{}'", container.name(), e);
        }
    }

    @Override
    public void containerRemoved(Container container) {
        ContainerObject object = objects.remove(container.name());
        if (object == null) {
            return;
        }
        connection.unExportObject(object.getObjectPath());
        try {
            send(new Manager.ContainerRemoved(Manager.OBJECT_PATH, container.name(), new DBusPath(object.getObjectPath())));
        } catch (DBusException e) {
            LOG.error("cannot announce the removal of container '{}'", container.name(), e);
        }
    }

    @Override
    public void containerChanged(Container container, Set<String> properties) {
        ContainerObject object = objects.get(container.name());
        if (object == null) {
            return;
        }
        PropertyTable table = object.properties();
        try {
            send(new PropertiesChanged(object.getObjectPath(), table.interfaceName(), table.values(properties),
                    java.util.List.of()));
        } catch (DBusException e) {
            LOG.error("cannot announce changes of container '{}'", container.name(), e);
        }
    }

    /** The properties that follow a container's state. */
    private static final java.util.List<String> RUNTIME_PROPERTIES =
            java.util.List.of("State", "Leader", "SupervisorPID", "StartedAt", "CgroupPath", "ExitStatus");

    @Override
    public void stateChanged(Container container, ContainerState state, StateMachine.Reason reason) {
        ContainerObject object = objects.get(container.name());
        if (object == null) {
            return;
        }
        try {
            send(new org.corral1.Container.StateChanged(object.getObjectPath(), state.busName(), reason.busName()));
            PropertyTable table = object.properties();
            send(new PropertiesChanged(object.getObjectPath(), table.interfaceName(), table.values(RUNTIME_PROPERTIES),
                    java.util.List.of()));
        } catch (DBusException e) {
            LOG.error("cannot announce the state of container '{}'", container.name(), e);
        }
    }

    private void execEnded(String name, long id, ExitStatus status) {
        try {
            send(new org.corral1.Container.ExecExited(ObjectPaths.container(name), new UInt32(id), status.code(), status.signal()));
        } catch (DBusException e) {
            LOG.error("cannot announce the end of exec {} in '{}'", id, name, e);
        }
    }

    private ContainerObject exportContainer(Container container) throws DBusException {
        ContainerObject object = new ContainerObject(container, verbs, this::execEnded, stats);
        export(object.getObjectPath(), object, Introspection.CONTAINER);
        objects.put(container.name(), object);
        return object;
    }

    private void exportNetwork(String name) throws DBusException {
        if (networkObjects.containsKey(name)) {
            return;
        }
        NetworkObject object = new NetworkObject(name, networkVerbs);
        export(object.getObjectPath(), object, Introspection.NETWORK);
        networkObjects.put(name, object);
    }

    /** Keeps one object per network: exported when defined, gone when undefined. */
    private final class NetworkExports implements NetworkRegistry.Listener {
        @Override
        public void networkAdded(NetworkDefinition def) {
            try {
                exportNetwork(def.getName());
            } catch (DBusException e) {
                LOG.error("cannot export network '{}'", def.getName(), e);
            }
        }

        @Override
        public void networkChanged(NetworkDefinition def) {
            networkAdded(def); // properties are read at call time; nothing else changes
        }

        @Override
        public void networkRemoved(NetworkDefinition def) {
            NetworkObject object = networkObjects.remove(def.getName());
            if (object != null) {
                connection.unExportObject(object.getObjectPath());
            }
        }
    }

    private void export(String path, DBusInterface object, String introspection) throws DBusException {
        connection.exportObject(path, object);
        // Serve the documented contract instead of dbus-java's generated data (no argument names).
        synchronized (connection.getObjectTree()) {
            connection.getObjectTree().add(path, null, introspection);
        }
    }

    private void send(DBusSignal signal) {
        connection.sendMessage(signal);
    }
}
