package org.corral.core;

import java.nio.file.Path;
import java.util.Optional;

import org.corral.config.model.Domain;

/**
 * One container as the core sees it: its definitions and its state. Only {@link ContainerRegistry}
 * changes it, under the registry's lock; everything else reads a consistent view through
 * the registry's methods.
 *
 * <p>Two definitions, as in libvirt: the persistent one (what is stored on disk, absent for a
 * transient container) and the live one (what a running container was started with). While the
 * container is stopped the live definition is the persistent one.
 */
public final class Container {

    private final String name;
    private final String uuid;
    private Domain persistentDefinition;
    private Domain liveDefinition;
    private ContainerState state = ContainerState.SHUTOFF;
    private Path configPath;

    Container(Domain definition, Path configPath) {
        this.name = definition.getName();
        this.uuid = definition.getUuid();
        this.persistentDefinition = definition;
        this.configPath = configPath;
    }

    public String name() {
        return name;
    }

    public String uuid() {
        return uuid;
    }

    public synchronized ContainerState state() {
        return state;
    }

    public synchronized boolean isPersistent() {
        return persistentDefinition != null;
    }

    /** The stored file, or empty for a transient container. */
    public synchronized Optional<Path> configPath() {
        return isPersistent() ? Optional.of(configPath) : Optional.empty();
    }

    /** The definition in effect: the live one while active, else the persistent one. */
    public synchronized Domain definition() {
        return state.isActive() && liveDefinition != null ? liveDefinition : persistentDefinition;
    }

    /** The persistent definition, or the live one for a transient container. */
    public synchronized Domain inactiveDefinition() {
        return persistentDefinition != null ? persistentDefinition : liveDefinition;
    }

    synchronized void replacePersistentDefinition(Domain definition, Path path) {
        this.persistentDefinition = definition;
        this.configPath = path;
    }

    synchronized void setState(ContainerState state) {
        this.state = state;
    }
}
