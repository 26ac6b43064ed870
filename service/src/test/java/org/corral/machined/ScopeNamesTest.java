package org.corral.machined;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ScopeNamesTest {

    @Test
    void theScopeIsMachinedsUnitForTheEscapedName() {
        assertEquals("machine-web.scope", ScopeNames.scopeUnit("web"));
        assertEquals("machine-web\\x2d1.scope", ScopeNames.scopeUnit("web-1"));
    }

    @Test
    void partitionsBecomeNestedSlicesAsInLibvirt() {
        assertEquals("machine.slice", ScopeNames.sliceUnit("/machine"));
        assertEquals("/machine.slice", ScopeNames.sliceCgroup("/machine"));
        assertEquals("machine-eng.slice", ScopeNames.sliceUnit("/machine/eng"));
        assertEquals("/machine.slice/machine-eng.slice", ScopeNames.sliceCgroup("/machine/eng"));
        // A dash inside a component is escaped, so it does not nest.
        assertEquals("/machine.slice/machine-a\\x2db.slice", ScopeNames.sliceCgroup("/machine/a-b"));
    }
}
