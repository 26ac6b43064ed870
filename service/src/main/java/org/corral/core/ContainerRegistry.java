package org.corral.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.corral.config.Uuids;
import org.corral.config.model.Domain;
import org.corral.store.ConfigStore;

/**
 * Every container the service knows, by name and by UUID. The only place where containers are
 * added, changed or removed: each change is written to disk first, then applied in memory, then
 * announced to listeners. One lock serialises changes; D-Bus calls arrive on several threads.
 */
public final class ContainerRegistry {

    private final ConfigStore store;
    private final Map<String, Container> byName = new TreeMap<>();
    private final Map<String, Container> byUuid = new TreeMap<>();
    private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();

    public ContainerRegistry(ConfigStore store) {
        this.store = store;
    }

    public void addListener(RegistryListener listener) {
        listeners.add(listener);
    }

    /** Adds a definition read from disk at start-up; nothing is written. */
    public synchronized Container restore(Domain definition) throws CorralException {
        checkUnique(definition);
        Container c = new Container(definition, null, store.pathOf(definition.getName()));
        index(c);
        return c;
    }

    /** Adds a transient container (CreateXML, or one found running with no stored definition). */
    public Container addTransient(Domain live) throws CorralException {
        Container c;
        synchronized (this) {
            checkUnique(live);
            c = new Container(null, live, null);
            index(c);
        }
        for (RegistryListener l : listeners) {
            l.containerAdded(c);
        }
        return c;
    }

    /** Removes a container that is neither defined nor running any more. */
    public void forget(Container c) {
        synchronized (this) {
            if (byName.get(c.name()) != c || c.isPersistent() || c.state().isActive()) {
                return;
            }
            byName.remove(c.name());
            byUuid.remove(c.uuid());
        }
        for (RegistryListener l : listeners) {
            l.containerRemoved(c);
        }
    }

    /** Announces properties that changed outside the registry (MachineName). */
    public void announce(Container c, Set<String> properties) {
        for (RegistryListener l : listeners) {
            l.containerChanged(c, properties);
        }
    }

    /** The one way states change: checked against the state machine, then announced. */
    public void transition(Container c, ContainerState to, StateMachine.Reason reason) {
        c.setState(to, reason);
        for (RegistryListener l : listeners) {
            l.stateChanged(c, to, reason);
        }
    }

    /**
     * Defines a persistent container, or replaces the persistent definition of an existing one.
     * A definition without an explicit UUID keeps the existing container's UUID (libvirt would
     * refuse it, since it generates a fresh one that then clashes).
     */
    public Container define(Domain definition) throws CorralException {
        Container added = null;
        Container changed = null;
        boolean becamePersistent = false;
        synchronized (this) {
            Container existing = byName.get(definition.getName());
            if (existing != null && definition.isUuidGenerated()) {
                definition.setUuid(existing.uuid());
            }
            if (existing != null && !existing.uuid().equals(definition.getUuid())) {
                throw CorralException.alreadyExists("container '" + definition.getName()
                        + "' already exists with uuid " + existing.uuid());
            }
            if (existing == null) {
                checkUnique(definition);
            }
            store.save(definition);
            if (existing == null) {
                added = new Container(definition, null, store.pathOf(definition.getName()));
                index(added);
            } else {
                becamePersistent = !existing.isPersistent();
                existing.replacePersistentDefinition(definition, store.pathOf(definition.getName()));
                changed = existing;
            }
        }
        if (added != null) {
            for (RegistryListener l : listeners) {
                l.containerAdded(added);
            }
            return added;
        }
        if (becamePersistent) {
            for (RegistryListener l : listeners) {
                l.containerChanged(changed, Set.of("Persistent", "ConfigPath"));
            }
        }
        return changed;
    }

    /**
     * Removes the persistent definition. A stopped container disappears with it; a running one
     * becomes transient and goes when it stops, as in libvirt.
     */
    public void undefine(String name) throws CorralException {
        Container c;
        boolean stillRunning;
        synchronized (this) {
            c = lookup(name);
            if (!c.isPersistent()) {
                throw CorralException.invalidArgs("container '" + name + "' is transient: it has no definition to remove");
            }
            store.delete(name);
            synchronized (c) {
                stillRunning = c.state().isActive();
                c.dropPersistentDefinition();
            }
            if (!stillRunning) {
                byName.remove(c.name());
                byUuid.remove(c.uuid());
            }
        }
        for (RegistryListener l : listeners) {
            if (stillRunning) {
                l.containerChanged(c, Set.of("Persistent", "ConfigPath"));
            } else {
                l.containerRemoved(c);
            }
        }
    }

    public synchronized Container lookup(String name) throws CorralException {
        Container c = byName.get(name);
        if (c == null) {
            throw CorralException.noSuchContainer("no container named '" + name + "'");
        }
        return c;
    }

    public synchronized Container lookupByUuid(String uuid) throws CorralException {
        String normalised = Uuids.normalise(uuid);
        Container c = normalised == null ? null : byUuid.get(normalised);
        if (c == null) {
            throw CorralException.noSuchContainer("no container with uuid '" + uuid + "'");
        }
        return c;
    }

    public synchronized Optional<Container> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** All containers, sorted by name. */
    public synchronized List<Container> list() {
        List<Container> all = new ArrayList<>(byName.values());
        all.sort(Comparator.comparing(Container::name));
        return all;
    }

    private void checkUnique(Domain definition) throws CorralException {
        if (byName.containsKey(definition.getName())) {
            throw CorralException.alreadyExists("a container named '" + definition.getName() + "' already exists");
        }
        Container sameUuid = byUuid.get(definition.getUuid());
        if (sameUuid != null) {
            throw CorralException.alreadyExists("uuid " + definition.getUuid()
                    + " is already used by container '" + sameUuid.name() + "'");
        }
    }

    private void index(Container c) {
        byName.put(c.name(), c);
        byUuid.put(c.uuid(), c);
    }
}
