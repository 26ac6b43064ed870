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
    private final ManagerObject manager;
    private final Map<String, ContainerObject> objects = new ConcurrentHashMap<>();

    public BusService(DBusConnection connection, ContainerRegistry registry, Lifecycle lifecycle, String version)
            throws DBusException {
        this.connection = connection;
        this.registry = registry;
        this.verbs = new ContainerVerbs(registry, lifecycle, new Authorizer(connection));
        this.manager = new ManagerObject(registry, verbs, version);
    }

    /** Exports every object, then takes the bus name: callers never see a half-built service. */
    public void start() throws DBusException {
        export(Manager.OBJECT_PATH, manager, Introspection.MANAGER);
        registry.addListener(this);
        for (Container c : registry.list()) {
            exportContainer(c);
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

    private ContainerObject exportContainer(Container container) throws DBusException {
        ContainerObject object = new ContainerObject(container, verbs);
        export(object.getObjectPath(), object, Introspection.CONTAINER);
        objects.put(container.name(), object);
        return object;
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
