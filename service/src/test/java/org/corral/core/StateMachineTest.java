package org.corral.core;

import static org.corral.core.ContainerState.CRASHED;
import static org.corral.core.ContainerState.RUNNING;
import static org.corral.core.ContainerState.SHUTOFF;
import static org.corral.core.ContainerState.STARTING;
import static org.corral.core.ContainerState.STOPPING;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every (from, to) pair of states: the allowed ones pass, every other one is refused. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StateMachineTest {

    private static final Set<String> ALLOWED = Set.of(
            "shutoff>starting",
            "starting>running", "starting>shutoff", "starting>crashed",
            "running>stopping", "running>shutoff", "running>crashed", "running>starting",
            "stopping>shutoff", "stopping>crashed", "stopping>starting",
            "crashed>starting", "crashed>shutoff");

    static Stream<Arguments> everyPair() {
        return Stream.of(ContainerState.values())
                .flatMap(from -> Stream.of(ContainerState.values()).map(to -> Arguments.of(from, to)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("everyPair")
    void onlyTheDocumentedChangesAreAllowed(ContainerState from, ContainerState to) {
        boolean expected = ALLOWED.contains(from.busName() + ">" + to.busName());
        assertEquals(expected, StateMachine.allowed(from, to));
        if (expected) {
            assertDoesNotThrow(() -> StateMachine.check(from, to));
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> StateMachine.check(from, to));
            assertEquals("illegal state change " + from.busName() + " -> " + to.busName(), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(ContainerState.class)
    void activeStatesAreTheOnesWithProcesses(ContainerState s) {
        assertEquals(s == STARTING || s == RUNNING || s == STOPPING, s.isActive());
        assertEquals(s == SHUTOFF || s == CRASHED, !s.isActive());
    }
}
