package org.corral.launcher.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** systemd's unit_name_escape, for the corral-NAME.scope unit cgroup machined registers. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class UnitNameEscapeTest {

    @Test
    void escapesAsSystemdDoes() {
        assertEquals("web\\x2d1", CgroupManager.unitNameEscape("web-1"));
        assertEquals("a_b.c:d", CgroupManager.unitNameEscape("a_b.c:d"));
        assertEquals("\\x2ehidden", CgroupManager.unitNameEscape(".hidden"));
        assertEquals("8675309", CgroupManager.unitNameEscape("8675309"));
    }
}
