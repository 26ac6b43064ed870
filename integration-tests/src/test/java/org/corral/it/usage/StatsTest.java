package org.corral.it.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Poll;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Container.GetStats and Manager.GetAllStats: names, types, and figures that follow what the container does. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StatsTest {
    /** privnet, 64 MiB, a 32 MiB tmpfs at /ram; init is one process that never forks. */
    private static final String NET = "us-st-net";
    /** The host's network, 128 MiB. */
    private static final String PLAIN = "us-st-plain";
    private static final String STOPPED = "us-st-off";
    private static final long MIB = 1024 * 1024;
    private Rig rig;

    @BeforeAll
    void up() {
        rig = Rig.start();
        rig.define(LxcXml.named(NET).root(rig.newRoot()).init("/bin/sleep", "100000").memoryMiB(64)
                .feature("<privnet/>").ram("/ram", 32 * 1024));
        rig.define(LxcXml.named(PLAIN).root(rig.newRoot()).init("/bin/sleep", "100000").memoryMiB(128));
        rig.define(LxcXml.named(STOPPED).root(rig.newRoot()).init("/bin/sleep", "100000"));
        rig.start(NET);
        rig.start(PLAIN);
    }

    @AfterAll
    void down() {
        if (rig != null) {
            rig.close();
        }
    }

    private static final List<String> CGROUP_KEYS = List.of("cpu.time", "memory.current", "memory.limit", "memory.peak",
            "processes");
    private static final List<String> BLOCK_KEYS = List.of("block.read.bytes", "block.write.bytes", "block.read.ops",
            "block.write.ops");
    private static final List<String> NET_KEYS = List.of("net.rx.bytes", "net.tx.bytes", "net.rx.packets", "net.tx.packets",
            "net.rx.errors", "net.tx.errors");

    private static boolean hostHasBlkio() {
        return Rig.v1ControllerMounts().stream().anyMatch(m -> Files.exists(m.resolve("blkio.throttle.io_service_bytes_recursive")))
                || Files.exists(Path.of("/sys/fs/cgroup/io.stat"));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void namesAndTypes() {
        Map<String, Usage.Figure> s = Usage.stats(rig, NET);
        for (String k : CGROUP_KEYS) {
            assertTrue(s.containsKey(k), k + " in " + s);
            assertEquals(k.equals("processes") ? "u" : "t", s.get(k).type(), k + " type");
        }
        if (hostHasBlkio()) {
            for (String k : BLOCK_KEYS) {
                assertTrue(s.containsKey(k), k + " in " + s);
                assertEquals("t", s.get(k).type(), k);
            }
        }
        for (String k : NET_KEYS) {
            assertTrue(s.containsKey(k), k + " for a privnet container: " + s);
            assertEquals("t", s.get(k).type(), k);
        }
        assertEquals(64 * MIB, s.get("memory.limit").value(), "memory.limit is <memory> in bytes");
        assertEquals(128 * MIB, Usage.stats(rig, PLAIN).get("memory.limit").value());
        assertTrue(s.get("memory.peak").value() >= s.get("memory.current").value(), s.toString());
        assertTrue(s.get("cpu.time").value() > 0, "init ran: " + s);
        Set<String> known = new java.util.HashSet<>(CGROUP_KEYS);
        known.addAll(BLOCK_KEYS);
        known.addAll(NET_KEYS);
        assertTrue(known.containsAll(s.keySet()), "only the documented names: " + s.keySet());

        Cli.Result stopped = Usage.statsRaw(rig, STOPPED);
        assertEquals("org.corral1.Error.NotRunning", Rig.errorName(stopped), stopped.describe());
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void figuresFollowTheContainer() {
        long leader = rig.leader(NET);
        Map<String, Usage.Figure> before = Usage.stats(rig, NET);
        assertEquals(1, before.get("processes").value(), "init alone: " + before);
        assertEquals(Rig.pidsInNamespaceOf(leader).size(), before.get("processes").value());

        // CPU: a busy loop in the background, then killed.
        String pid = Usage.sh(rig, NET, "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 & echo $!").strip();
        try {
            Poll.require(java.time.Duration.ofSeconds(5), () -> Rig.pidsInNamespaceOf(leader).size() == 2,
                    () -> "burner running: " + Rig.pidsInNamespaceOf(leader));
            Map<String, Usage.Figure> busy = Usage.stats(rig, NET);
            assertEquals(2, busy.get("processes").value(), "init and the loop: " + busy);
            long t0 = busy.get("cpu.time").value();
            Poll.require(java.time.Duration.ofSeconds(5),
                    () -> Usage.stats(rig, NET).get("cpu.time").value() >= t0 + 200_000_000L,
                    () -> "cpu.time grows by 0.2 s of a busy loop: " + t0 + " -> " + Usage.stats(rig, NET).get("cpu.time"));
        } finally {
            Usage.sh(rig, NET, "kill -9 " + pid);
        }
        Poll.require(java.time.Duration.ofSeconds(5), () -> Usage.stats(rig, NET).get("processes").value() == 1,
                () -> "the loop is gone: " + Usage.stats(rig, NET));

        // Memory: 20 MiB in the tmpfs are charged to the container.
        long m0 = Usage.stats(rig, NET).get("memory.current").value();
        Usage.sh(rig, NET, "head -c 20m /dev/zero > /ram/x; ls -l /ram/x");
        Map<String, Usage.Figure> after = Usage.stats(rig, NET);
        long m1 = after.get("memory.current").value();
        assertTrue(m1 - m0 >= 18 * MIB, "memory.current grows by the 20 MiB file: " + m0 + " -> " + m1);
        assertTrue(after.get("memory.peak").value() >= m1, after.toString());
        assertTrue(m1 <= after.get("memory.limit").value(), after.toString());
        Usage.sh(rig, NET, "rm /ram/x");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void getAllStatsListsTheRunningContainers() {
        Map<String, Map<String, Usage.Figure>> all = Usage.allStats(rig);
        assertEquals(Set.of(NET, PLAIN), all.keySet(), "exactly the running containers");
        for (String name : List.of(NET, PLAIN)) {
            assertEquals(Usage.stats(rig, name).keySet(), all.get(name).keySet(), "the keys GetStats gives for " + name);
            all.get(name).forEach((k, f) -> assertEquals(k.equals("processes") ? "u" : "t", f.type(), name + " " + k));
        }
        assertEquals(64 * MIB, all.get(NET).get("memory.limit").value());
        assertEquals(128 * MIB, all.get(PLAIN).get("memory.limit").value());
    }
}
