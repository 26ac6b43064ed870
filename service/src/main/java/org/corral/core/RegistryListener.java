package org.corral.core;

import java.util.Set;

/**
 * What the registry tells the outside world (the bus adapter) after a change is done and stored.
 * Called with no locks held, in the order the changes happened.
 */
public interface RegistryListener {

    void containerAdded(Container container);

    void containerRemoved(Container container);

    /** Some of the container's properties changed; names as on the bus (Persistent, ...). */
    void containerChanged(Container container, Set<String> properties);

    /** The container entered a new state (its runtime properties may have changed with it). */
    void stateChanged(Container container, ContainerState state, StateMachine.Reason reason);
}
