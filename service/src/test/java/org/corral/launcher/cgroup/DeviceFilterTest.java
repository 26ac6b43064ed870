package org.corral.launcher.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cgroup v2 device program, for real: loaded by the kernel's verifier and attached to a
 * cgroup2 directory; a process moved there may open what the rules allow and nothing else.
 * Runs wherever a cgroup2 hierarchy is mounted (here: /sys/fs/cgroup/unified, which needs no
 * controller for BPF programs).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeviceFilterTest {

    @Test
    void programHasOneBlockPerRuleAndEndsInDeny() {
        byte[] p = DeviceFilter.program(List.of(new CgroupLimits.DeviceRule('c', 1, 3, "rwm"),
                new CgroupLimits.DeviceRule('c', 136, -1, "rw")));
        // 6 loads, a block of 8 for 1:3 and of 7 for 136:* (no minor check), then r0 = 0; exit.
        assertEquals(8 * (6 + 8 + 7 + 2), p.length);
        assertEquals((byte) 0x95, p[p.length - 8], "last instruction is exit");
    }

    @Test
    void onlyTheAllowedNodesCanBeOpened() throws Exception {
        assertEquals("0", new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim(),
                "this test needs root: it loads a BPF program and creates a cgroup");
        CgroupLayout layout = CgroupLayout.detect();
        assertTrue(layout.v2() != null, "this test needs a cgroup2 mount; the host has: " + layout);
        Path dir = layout.v2().resolve("corral-devtest-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(dir);
        try {
            DeviceFilter.attach(dir, List.of(new CgroupLimits.DeviceRule('c', 1, 3, "rwm")));
            Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + dir.resolve("cgroup.procs")
                    + "; cat /dev/null && echo null-ok; head -c1 /dev/zero >/dev/null 2>&1 && echo zero-ok || echo zero-denied")
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "probe finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(out.contains("null-ok"), "c 1:3 allowed: " + out);
            assertTrue(out.contains("zero-denied"), "c 1:5 denied: " + out);
        } finally {
            removeWhenEmpty(dir);
        }
    }

    private static void removeWhenEmpty(Path dir) throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        Files.deleteIfExists(dir);
    }
}
