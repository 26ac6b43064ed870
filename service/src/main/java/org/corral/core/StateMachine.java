package org.corral.core;

import static org.corral.core.ContainerState.CRASHED;
import static org.corral.core.ContainerState.RUNNING;
import static org.corral.core.ContainerState.SHUTOFF;
import static org.corral.core.ContainerState.STARTING;
import static org.corral.core.ContainerState.STOPPING;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Which state changes a container may go through. Everything that changes a state asks here
 * first; a change not in the table is a bug, never a caller's error (callers get AlreadyRunning
 * or NotRunning before it comes to that).
 *
 * <pre>
 *   shutoff --start--> starting --booted--> running --shutdown/reboot request--> stopping
 *      ^  ^               |                  |   |                                  |
 *      |  +----failed-----+                  |   +--init exits (reboot)--> starting  |
 *      +-------- init exits, destroyed ------+----------------------------------------+
 *   running/stopping --init dies badly, on_crash=preserve--> crashed --start--> starting
 * </pre>
 */
public final class StateMachine {

    /** Why a state was entered; the second argument of the StateChanged signal. */
    public enum Reason {
        BOOTED("booted"), DESTROYED("destroyed"), SHUTDOWN("shutdown"), CRASHED("crashed"),
        REBOOTED("rebooted"), FAILED("failed"), REQUESTED("requested"), DEFINED("defined");

        private final String busName;

        Reason(String busName) {
            this.busName = busName;
        }

        public String busName() {
            return busName;
        }
    }

    private static final Map<ContainerState, Set<ContainerState>> ALLOWED = new EnumMap<>(ContainerState.class);

    static {
        ALLOWED.put(SHUTOFF, EnumSet.of(STARTING));
        ALLOWED.put(STARTING, EnumSet.of(RUNNING, SHUTOFF, CRASHED));
        ALLOWED.put(RUNNING, EnumSet.of(STOPPING, SHUTOFF, CRASHED, STARTING));
        ALLOWED.put(STOPPING, EnumSet.of(SHUTOFF, CRASHED, STARTING));
        ALLOWED.put(CRASHED, EnumSet.of(STARTING, SHUTOFF));
    }

    private StateMachine() {
    }

    public static boolean allowed(ContainerState from, ContainerState to) {
        return ALLOWED.get(from).contains(to);
    }

    public static void check(ContainerState from, ContainerState to) {
        if (!allowed(from, to)) {
            throw new IllegalStateException("illegal state change " + from.busName() + " -> " + to.busName());
        }
    }
}
