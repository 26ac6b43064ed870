package org.corral.launcher;

import java.util.List;
import java.util.Optional;

import org.corral.core.CorralException;
import org.corral.network.PlumbedInterface;

/**
 * Machine scopes of a host whose init is systemd. There machined's CreateMachine asks systemd for
 * a scope unit (machine-NAME.scope, delegated) and moves the leader into it; a container then runs
 * in a {@code payload} child of that scope, where corral's limits hold and systemd leaves them
 * alone. Elsewhere containers run in corral's own cgroups and are registered after the start.
 */
public interface MachineScopes {

    /**
     * The cgroup path of the scope a container started now would run in (e.g.
     * {@code /machine.slice/machine-web.scope}), or empty when it runs in corral's own cgroups:
     * no systemd as init, or no machined on the bus.
     */
    Optional<String> scopeCgroup(String name, String partition);

    /**
     * Creates the machine with {@code leader} (init, not yet released) as its leader; on return
     * systemd has moved it into the scope.
     */
    void create(String name, String uuid, int leader, String rootDirectory, List<PlumbedInterface> nics,
            String partition) throws CorralException;

    /** Containers run in corral's own cgroups. */
    MachineScopes NONE = new MachineScopes() {
        @Override
        public Optional<String> scopeCgroup(String name, String partition) {
            return Optional.empty();
        }

        @Override
        public void create(String name, String uuid, int leader, String rootDirectory, List<PlumbedInterface> nics,
                String partition) throws CorralException {
            throw new IllegalStateException("no machine scopes here");
        }
    };
}
