package org.corral.it.runtime;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the runtime tests whose methods share one {@link Rig} (private bus, service, scratch
 * directories): started before the class's first test, closed after its last. Each test tracks
 * the containers it makes ({@link Rig#track(String)}), so they go away with the rig.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SharedRigTest {
    Rig rig;

    @BeforeAll
    void startRig() {
        rig = Rig.start();
    }

    @AfterAll
    void closeRig() {
        if (rig != null) {
            rig.close();
        }
    }
}
