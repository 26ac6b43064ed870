package org.corral.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.corral.network.model.NetworkDefinition;

/**
 * Every network the service knows, by name: the stored ones and the built-in {@code default}
 * ({@link NetworkXml#builtInDefault()}), which exists even when no file defines it. A stored
 * default.xml overrides the built-in one; undefining {@code default} deletes that file and brings
 * the built-in definition back, so {@code default} never disappears. Changes are written to disk
 * first, then applied, then announced. Thread-safe.
 */
public final class NetworkRegistry {

    private static final Logger LOG = LogManager.getLogger(NetworkRegistry.class);

    /** Hears definitions appear, change and go away. */
    public interface Listener {
        void networkAdded(NetworkDefinition def);

        void networkChanged(NetworkDefinition def);

        void networkRemoved(NetworkDefinition def);
    }

    private final NetworkStore store;
    private final Path sysClassNet;
    private final Map<String, NetworkDefinition> byName = new TreeMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Function<String, Collection<String>> usersOf = name -> List.of();

    public NetworkRegistry(NetworkStore store) {
        this(store, Path.of("/sys/class/net"));
    }

    NetworkRegistry(NetworkStore store, Path sysClassNet) {
        this.store = store;
        this.sysClassNet = sysClassNet;
        byName.put(NetworkXml.DEFAULT_NAME, NetworkXml.builtInDefault());
    }

    public NetworkStore store() {
        return store;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Who uses a network right now (names of running containers), asked before undefining:
     * {@link InterfacePlumber#usersOf}, plus whatever the caller knows about starting containers.
     */
    public void setUsage(Function<String, Collection<String>> usersOf) {
        this.usersOf = usersOf;
    }

    /** Reads the store (start-up): bad files are logged and skipped. */
    public synchronized void load() throws IOException {
        store.open();
        for (NetworkDefinition d : store.loadAll()) {
            NetworkDefinition clash = conflict(d);
            if (clash != null && !clash.getName().equals(d.getName())) {
                LOG.error("skipping {}: {}", store.pathOf(d.getName()), describeConflict(d, clash));
                continue;
            }
            byName.put(d.getName(), d);
        }
    }

    /**
     * Defines or redefines a network (effective for containers started afterwards; a bridge that
     * is up keeps its addresses until the last container on it stops). Without {@code <uuid>} a
     * redefinition keeps the network's UUID; without {@code <bridge>} a free name corralN is
     * chosen (or the existing network's bridge is kept).
     */
    public NetworkDefinition define(NetworkDefinition def) throws CorralException {
        boolean added;
        synchronized (this) {
            NetworkDefinition existing = byName.get(def.getName());
            if (existing != null && def.isUuidGenerated()) {
                def.setUuid(existing.getUuid());
                def.setUuidGenerated(false);
            }
            if (def.getBridge() == null || def.getBridge().getName() == null) {
                String bridge = existing != null && existing.bridgeName() != null ? existing.bridgeName() : freeBridgeName();
                if (def.getBridge() == null) {
                    def.setBridge(new NetworkDefinition.Bridge(bridge));
                } else {
                    def.getBridge().setName(bridge);
                }
            }
            NetworkDefinition clash = conflict(def);
            if (clash != null) {
                throw CorralException.alreadyExists(describeConflict(def, clash));
            }
            store.save(def);
            added = existing == null;
            byName.put(def.getName(), def);
        }
        for (Listener l : listeners) {
            if (added) {
                l.networkAdded(def);
            } else {
                l.networkChanged(def);
            }
        }
        return def;
    }

    /**
     * Removes a definition; refused with BUSY while a running container uses the network.
     * {@code default} goes back to the built-in definition instead of disappearing.
     */
    public void undefine(String name) throws CorralException {
        NetworkDefinition removed;
        NetworkDefinition restored = null;
        synchronized (this) {
            removed = lookup(name);
            Collection<String> users = usersOf.apply(name);
            if (!users.isEmpty()) {
                throw new CorralException(Kind.BUSY, "network '" + name + "' is in use by running container(s) "
                        + String.join(", ", users) + "; stop them first");
            }
            store.delete(name);
            if (name.equals(NetworkXml.DEFAULT_NAME)) {
                restored = NetworkXml.builtInDefault();
                byName.put(name, restored);
            } else {
                byName.remove(name);
            }
        }
        for (Listener l : listeners) {
            if (restored != null) {
                l.networkChanged(restored);
            } else {
                l.networkRemoved(removed);
            }
        }
    }

    public synchronized NetworkDefinition lookup(String name) throws CorralException {
        NetworkDefinition d = byName.get(name);
        if (d == null) {
            throw new CorralException(Kind.NO_SUCH_NETWORK, "no network named '" + name + "'");
        }
        return d;
    }

    public synchronized Optional<NetworkDefinition> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** All networks, sorted by name. */
    public synchronized List<NetworkDefinition> list() {
        return new ArrayList<>(byName.values());
    }

    /** True when {@code default} is the built-in definition (no stored file). */
    public synchronized boolean isBuiltIn(String name) {
        return name.equals(NetworkXml.DEFAULT_NAME) && !Files.exists(store.pathOf(name));
    }

    /** Another network with the same UUID or bridge, or null. */
    private NetworkDefinition conflict(NetworkDefinition def) {
        for (NetworkDefinition other : byName.values()) {
            if (other.getName().equals(def.getName())) {
                continue;
            }
            if (other.getUuid().equals(def.getUuid())
                    || (other.bridgeName() != null && other.bridgeName().equals(def.bridgeName()))) {
                return other;
            }
        }
        return null;
    }

    private static String describeConflict(NetworkDefinition def, NetworkDefinition other) {
        return other.getUuid().equals(def.getUuid())
                ? "uuid " + def.getUuid() + " is already used by network '" + other.getName() + "'"
                : "bridge '" + def.bridgeName() + "' is already used by network '" + other.getName() + "'";
    }

    /** corralN, the lowest N >= 1 used by no network and no host device. */
    private String freeBridgeName() {
        for (int n = 1; ; n++) {
            String candidate = "corral" + n;
            boolean taken = Files.exists(sysClassNet.resolve(candidate))
                    || byName.values().stream().anyMatch(d -> candidate.equals(d.bridgeName()));
            if (!taken) {
                return candidate;
            }
        }
    }
}
