package org.corral.it.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.corral.it.Processes;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The container's /proc/meminfo, served by the host-wide corral-meminfo FUSE process: the
 * container's limit as MemTotal, sane free figures, every host line, reads in pieces, and it
 * keeps serving while corrald is SIGKILLed and started again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MeminfoTest {
    private static final String M64 = "us-mem64";
    private static final String M32 = "us-mem32";
    private static final Pattern LINE = Pattern.compile("^([A-Za-z0-9_()]+):\\s+(-?\\d+)( kB)?$");
    private Rig rig;

    @BeforeAll
    void up() {
        rig = Rig.start();
        rig.define(LxcXml.named(M64).root(rig.newRoot()).init("/bin/sleep", "100000").memoryMiB(64));
        rig.define(LxcXml.named(M32).root(rig.newRoot()).init("/bin/sleep", "100000").memoryMiB(32));
        rig.start(M64);
    }

    @AfterAll
    void down() {
        if (rig != null) {
            rig.close();
        }
    }

    private String meminfo(String name) {
        return Usage.sh(rig, name, "cat /proc/meminfo");
    }

    /** The container's file as the host sees it through init's root (no service needed). */
    private String meminfoFromHost(String name, long leader) throws IOException {
        return Files.readString(Path.of("/proc/" + leader + "/root/proc/meminfo"));
    }

    private static Map<String, Long> parse(String text) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "a meminfo line: '" + line + "' in\n" + text);
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return out;
    }

    private static void assertShows(long totalKiB, String text) {
        assertTrue(text.startsWith(String.format("MemTotal:       %8d kB\n", totalKiB)), "MemTotal first, " + totalKiB
                + " kB, in kernel layout:\n" + text);
        Map<String, Long> m = parse(text);
        for (String k : List.of("MemFree", "MemAvailable")) {
            assertTrue(m.containsKey(k), k + ":\n" + text);
            assertTrue(m.get(k) >= 0 && m.get(k) <= totalKiB, k + " within [0, MemTotal]:\n" + text);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theContainersLimitAndTheHostsLines() throws Exception {
        String text = meminfo(M64);
        assertTrue(text.startsWith("MemTotal:          65536 kB\n"), text);
        assertShows(65536, text);
        List<String> hostKeys = new ArrayList<>(parse(Files.readString(Path.of("/proc/meminfo"))).keySet());
        assertEquals(hostKeys, new ArrayList<>(parse(text).keySet()), "the host's lines, in the host's order");

        // Free figures stay sane while the container uses memory.
        Usage.sh(rig, M64, "head -c 24m /dev/zero | cat > /dev/null; x=$(head -c 8m /dev/zero | tr '\\0' a | wc -c)");
        for (int i = 0; i < 3; i++) {
            assertShows(65536, meminfo(M64));
        }

        // Reads in pieces: 5 blocks of 7 bytes from byte 21 cover "536 kB\n" and the whole MemFree line.
        String piece = Usage.sh(rig, M64, "dd bs=7 skip=3 count=5 if=/proc/meminfo 2>/dev/null");
        assertTrue(piece.matches("536 kB\nMemFree: +\\d+ kB\n") && piece.length() == 35, "bytes 21..55: '" + piece + "'");
        assertEquals("l:          65536 kB\n", Usage.sh(rig, M64, "dd bs=7 skip=1 count=3 if=/proc/meminfo 2>/dev/null"));
        String bytewise = Usage.sh(rig, M64, "dd bs=1 if=/proc/meminfo 2>/dev/null");
        assertShows(65536, bytewise);
        assertEquals(hostKeys.size(), parse(bytewise).size(), "a byte-by-byte read has every line");

        // busybox free uses sysinfo(2), which no FUSE file can change: it shows the host's memory.
        // Expected, so only recorded here; procps free reads /proc/meminfo (the test below).
        System.out.println("busybox free in " + M64 + " (host figures, by design):\n" + Usage.sh(rig, M64, "free"));
    }

    /**
     * procps free (the host's /usr/bin/free, in a container on the host's root as in the seed's
     * first example) reads /proc/meminfo, and so shows the container's limit.
     */
    @Test
    void procpsFreeInsideShowsTheLimit() {
        String name = "us-memfree";
        rig.define(LxcXml.named(name).init("/bin/sleep", "100000").memoryMiB(48));
        rig.start(name);
        try {
            String out = Usage.sh(rig, name, "/usr/bin/free -k");
            Matcher m = Pattern.compile("(?m)^Mem:\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)").matcher(out);
            assertTrue(m.find(), "free -k:\n" + out);
            assertEquals(49152, Long.parseLong(m.group(1)), "total is the 48 MiB limit:\n" + out);
            assertTrue(Long.parseLong(m.group(3)) <= 49152, "free within the limit:\n" + out);
        } finally {
            rig.call(name, "Destroy");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void keepsServingWhileTheServiceIsKilledAndRestarted() throws Exception {
        long leader = rig.leader(M64);
        assertShows(65536, meminfo(M64));
        long server = Long.parseLong(Files.readString(rig.runtimeDir().resolve("meminfo.pid")).trim().split("\\s+")[0]);
        assertTrue(Processes.isAlive(server), "corral-meminfo runs: " + server);

        rig.service().kill();
        assertTrue(Processes.isAlive(server), "corral-meminfo outlives corrald");
        String whileDown = meminfoFromHost(M64, leader);
        assertShows(65536, whileDown);

        rig.restartService();
        assertShows(65536, meminfo(M64));
        assertTrue(Processes.isAlive(server), "the same server after the restart");

        rig.start(M32);
        try {
            assertShows(32768, meminfo(M32));
            assertShows(65536, meminfo(M64));
            assertShows(32768, meminfoFromHost(M32, rig.leader(M32)));
            assertEquals(Long.toString(server),
                    Files.readString(rig.runtimeDir().resolve("meminfo.pid")).trim().split("\\s+")[0],
                    "one server for both containers");
        } finally {
            rig.call(M32, "Destroy");
        }
        assertShows(65536, meminfo(M64));
    }
}
