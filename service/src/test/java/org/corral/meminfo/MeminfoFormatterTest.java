package org.corral.meminfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.corral.meminfo.MeminfoFormatter.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MeminfoFormatterTest {

    private static final long MIB = 1024 * 1024;

    /** A host with 24 GiB and 2 GiB of swap (Debian 12, kernel 6.x layout, shortened). */
    private static final String HOST = String.join("\n",
            "MemTotal:       24684084 kB",
            "MemFree:        23274100 kB",
            "MemAvailable:   23794816 kB",
            "Buffers:           11084 kB",
            "Cached:           692352 kB",
            "SwapCached:            0 kB",
            "Active:           427104 kB",
            "Inactive:         794776 kB",
            "Active(anon):       1576 kB",
            "Inactive(anon):   525808 kB",
            "Active(file):     425528 kB",
            "Inactive(file):   268968 kB",
            "Unevictable:       16796 kB",
            "Mlocked:           15804 kB",
            "SwapTotal:       2097148 kB",
            "SwapFree:        2000000 kB",
            "Dirty:             17792 kB",
            "AnonPages:        535404 kB",
            "Shmem:              8872 kB",
            "KReclaimable:      69844 kB",
            "Slab:              97224 kB",
            "SReclaimable:      69844 kB",
            "SUnreclaim:        27380 kB",
            "Committed_AS:    2383848 kB",
            "VmallocTotal:   34359738367 kB",
            "HugePages_Total:       0",
            "HugePages_Free:        0",
            "Hugepagesize:       2048 kB",
            "DirectMap1G:    25165824 kB",
            "");

    private static final String V1_STAT = String.join("\n",
            "cache 1000",
            "rss 2000",
            "active_anon 1",
            "hierarchical_memory_limit 9223372036854771712",
            "hierarchical_memsw_limit 9223372036854771712",
            "total_cache " + 10 * MIB,
            "total_rss " + 20 * MIB,
            "total_shmem " + 1 * MIB,
            "total_inactive_anon " + 18 * MIB,
            "total_active_anon " + 2 * MIB,
            "total_inactive_file " + 6 * MIB,
            "total_active_file " + 4 * MIB,
            "total_unevictable " + 3 * MIB,
            "");

    private static final String V2_STAT = String.join("\n",
            "anon " + 20 * MIB,
            "file " + 10 * MIB,
            "shmem " + 1 * MIB,
            "inactive_anon " + 18 * MIB,
            "active_anon " + 2 * MIB,
            "inactive_file " + 6 * MIB,
            "active_file " + 4 * MIB,
            "unevictable " + 3 * MIB,
            "");

    private static Map<String, String> v1(long limit, long usage) {
        Map<String, String> m = new HashMap<>();
        m.put("memory.limit_in_bytes", limit + "\n");
        m.put("memory.usage_in_bytes", usage + "\n");
        m.put("memory.stat", V1_STAT);
        m.put("memory.memsw.limit_in_bytes", "9223372036854771712\n");
        m.put("memory.memsw.usage_in_bytes", usage + "\n");
        return m;
    }

    private static Map<String, String> v2(String max, long current) {
        Map<String, String> m = new HashMap<>();
        m.put("memory.max", max + "\n");
        m.put("memory.current", current + "\n");
        m.put("memory.stat", V2_STAT);
        m.put("memory.swap.max", "max\n");
        m.put("memory.swap.current", "0\n");
        return m;
    }

    /** Key -> value in kB (or plain number) of a meminfo text. */
    private static Map<String, Long> values(String meminfo) {
        return MeminfoFormatter.parseMeminfo(meminfo);
    }

    private static List<String> keys(String meminfo) {
        return new ArrayList<>(values(meminfo).keySet());
    }

    @Test
    void v1LimitDrivesTotalFreeAndAvailable() {
        String out = MeminfoFormatter.format(HOST, Version.V1, v1(48 * MIB, 30 * MIB));
        Map<String, Long> v = values(out);
        assertEquals(49152, v.get("MemTotal"));
        assertEquals(18 * 1024, v.get("MemFree"));
        // free + active_file + inactive_file
        assertEquals(18 * 1024 + 10 * 1024, v.get("MemAvailable"));
        assertTrue(out.startsWith("MemTotal:          49152 kB\nMemFree:           18432 kB\n"), out);
    }

    @Test
    void v1StatUsesHierarchicalTotals() {
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V1, v1(48 * MIB, 30 * MIB)));
        assertEquals(10 * 1024, v.get("Cached"));
        assertEquals(6 * 1024, v.get("Active"));
        assertEquals(24 * 1024, v.get("Inactive"));
        assertEquals(2 * 1024, v.get("Active(anon)"));
        assertEquals(18 * 1024, v.get("Inactive(anon)"));
        assertEquals(4 * 1024, v.get("Active(file)"));
        assertEquals(6 * 1024, v.get("Inactive(file)"));
        assertEquals(3 * 1024, v.get("Unevictable"));
        assertEquals(1 * 1024, v.get("Shmem"));
    }

    @Test
    void v1WithoutTotalsFallsBackToOwnKeys() {
        Map<String, String> files = v1(48 * MIB, 30 * MIB);
        files.put("memory.stat", "cache " + 5 * MIB + "\nactive_anon " + MIB + "\n");
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V1, files));
        assertEquals(5 * 1024, v.get("Cached"));
        assertEquals(1024, v.get("Active(anon)"));
        assertEquals(0, v.get("Inactive(file)"));
    }

    @Test
    void zeroedLinesAsLibvirt() {
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V1, v1(48 * MIB, 30 * MIB)));
        for (String k : List.of("Buffers", "Slab", "SReclaimable", "SUnreclaim")) {
            assertEquals(0, v.get(k), k);
        }
    }

    @Test
    void otherHostLinesKeptVerbatimAndInOrder() {
        String out = MeminfoFormatter.format(HOST, Version.V2, v2(Long.toString(48 * MIB), 30 * MIB));
        assertEquals(keys(HOST), keys(out));
        for (String line : List.of("Mlocked:           15804 kB", "Dirty:             17792 kB",
                "Committed_AS:    2383848 kB", "VmallocTotal:   34359738367 kB", "HugePages_Total:       0",
                "Hugepagesize:       2048 kB", "DirectMap1G:    25165824 kB", "SwapCached:            0 kB")) {
            assertTrue(out.contains("\n" + line + "\n"), line);
        }
        assertTrue(out.endsWith("\n"));
        assertEquals(HOST.split("\n").length, out.split("\n").length);
    }

    @Test
    void kernelColumnWidths() {
        String out = MeminfoFormatter.format(HOST, Version.V2, v2(Long.toString(48 * MIB), 30 * MIB));
        for (String line : out.split("\n")) {
            if (line.endsWith(" kB") && !line.startsWith("VmallocTotal")) {
                assertEquals(27, line.length(), line);
            }
        }
        assertTrue(out.contains("\nInactive(file):     6144 kB\n"), out);
    }

    @Test
    void v1UnlimitedUsesHostTotal() {
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V1, v1(9223372036854771712L, 30 * MIB)));
        assertEquals(24684084, v.get("MemTotal"));
        assertEquals(24684084 - 30 * 1024, v.get("MemFree"));
    }

    @Test
    void v1AncestorLimitBinds() {
        Map<String, String> files = v1(9223372036854771712L, 30 * MIB);
        files.put("memory.stat", V1_STAT.replace("hierarchical_memory_limit 9223372036854771712",
                "hierarchical_memory_limit " + 64 * MIB));
        assertEquals(65536, values(MeminfoFormatter.format(HOST, Version.V1, files)).get("MemTotal"));
    }

    @Test
    void v2MaxUsesHostTotal() {
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V2, v2("max", 30 * MIB)));
        assertEquals(24684084, v.get("MemTotal"));
        assertEquals(24684084 - 30 * 1024, v.get("MemFree"));
        assertEquals(10 * 1024, v.get("Cached"));
        assertEquals(6 * 1024, v.get("Active"));
        assertEquals(24 * 1024, v.get("Inactive"));
        assertEquals(1024, v.get("Shmem"));
        assertEquals(3 * 1024, v.get("Unevictable"));
    }

    @Test
    void v2Limit() {
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V2, v2(Long.toString(48 * MIB), 30 * MIB)));
        assertEquals(49152, v.get("MemTotal"));
        assertEquals(18 * 1024, v.get("MemFree"));
        assertEquals(28 * 1024, v.get("MemAvailable"));
        assertEquals(2 * 1024, v.get("Active(anon)"));
        assertEquals(18 * 1024, v.get("Inactive(anon)"));
        assertEquals(4 * 1024, v.get("Active(file)"));
        assertEquals(6 * 1024, v.get("Inactive(file)"));
    }

    @Test
    void limitAboveHostUsesHostTotal() {
        long huge = 64L * 1024 * MIB;
        assertEquals(24684084, values(MeminfoFormatter.format(HOST, Version.V2, v2(Long.toString(huge), MIB)))
                .get("MemTotal"));
        assertEquals(24684084, values(MeminfoFormatter.format(HOST, Version.V1, v1(huge, MIB))).get("MemTotal"));
    }

    @Test
    void unreadableOrNonsenseLimitUsesHostTotalNeverZero() {
        Map<String, String> files = v2("max", 30 * MIB);
        files.remove("memory.max");
        assertEquals(24684084, values(MeminfoFormatter.format(HOST, Version.V2, files)).get("MemTotal"));
        for (String bad : List.of("0", "-5", "512", "garbage", "")) {
            files.put("memory.max", bad);
            long total = values(MeminfoFormatter.format(HOST, Version.V2, files)).get("MemTotal");
            assertEquals(24684084, total, bad);
        }
    }

    @Test
    void unreadableUsageGivesTheHostFileUnchanged() {
        Map<String, String> files = v1(48 * MIB, 30 * MIB);
        files.remove("memory.usage_in_bytes");
        assertEquals(HOST, MeminfoFormatter.format(HOST, Version.V1, files));
        assertEquals(HOST, MeminfoFormatter.format(HOST, Version.V2, Map.of()));
    }

    @Test
    void neverNegative() {
        // usage above the limit (v1 usage is approximate; v2 can overshoot briefly)
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V1, v1(48 * MIB, 60 * MIB)));
        assertEquals(49152, v.get("MemTotal"));
        assertEquals(0, v.get("MemFree"));
        assertEquals(10 * 1024, v.get("MemAvailable"));
        Map<String, String> files = v2(Long.toString(48 * MIB), 60 * MIB);
        files.put("memory.stat", "inactive_file -4096\nactive_file " + 100 * MIB + "\n");
        v = values(MeminfoFormatter.format(HOST, Version.V2, files));
        assertEquals(0, v.get("MemFree"));
        assertEquals(0, v.get("Inactive(file)"));
        // bounded by MemTotal
        assertEquals(49152, v.get("MemAvailable"));
        for (Map.Entry<String, Long> e : v.entrySet()) {
            assertTrue(e.getValue() >= 0, e.toString());
        }
    }

    @Test
    void noSwapLimitKeepsHostSwapLines() {
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V1, v1(48 * MIB, 30 * MIB)));
        assertEquals(2097148, v.get("SwapTotal"));
        assertEquals(2000000, v.get("SwapFree"));
        v = values(MeminfoFormatter.format(HOST, Version.V2, v2("max", 30 * MIB)));
        assertEquals(2097148, v.get("SwapTotal"));
        assertEquals(2000000, v.get("SwapFree"));
    }

    @Test
    void v1SwapIsMemswMinusMemory() {
        Map<String, String> files = v1(48 * MIB, 30 * MIB);
        files.put("memory.memsw.limit_in_bytes", Long.toString(112 * MIB));
        files.put("memory.memsw.usage_in_bytes", Long.toString(40 * MIB));
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V1, files));
        assertEquals(64 * 1024, v.get("SwapTotal"));
        assertEquals(54 * 1024, v.get("SwapFree"));
    }

    @Test
    void v2SwapMax() {
        Map<String, String> files = v2(Long.toString(48 * MIB), 30 * MIB);
        files.put("memory.swap.max", Long.toString(64 * MIB));
        files.put("memory.swap.current", Long.toString(80 * MIB));
        Map<String, Long> v = values(MeminfoFormatter.format(HOST, Version.V2, files));
        assertEquals(64 * 1024, v.get("SwapTotal"));
        assertEquals(0, v.get("SwapFree"));
    }

    @Test
    void swapLimitBoundedByHostSwap() {
        String noSwapHost = HOST.replace("SwapTotal:       2097148 kB", "SwapTotal:             0 kB")
                .replace("SwapFree:        2000000 kB", "SwapFree:              0 kB");
        Map<String, String> files = v2(Long.toString(48 * MIB), 30 * MIB);
        files.put("memory.swap.max", Long.toString(64 * MIB));
        Map<String, Long> v = values(MeminfoFormatter.format(noSwapHost, Version.V2, files));
        assertEquals(0, v.get("SwapTotal"));
        assertEquals(0, v.get("SwapFree"));
    }

    @Test
    void largeValuesWidenLikeTheKernel() {
        Map<String, String> files = v2("max", 30 * MIB);
        String bigHost = HOST.replace("MemTotal:       24684084 kB", "MemTotal:       2113929216 kB");
        String out = MeminfoFormatter.format(bigHost, Version.V2, files);
        assertTrue(out.startsWith("MemTotal:       2113929216 kB\n"), out);
    }

    @Test
    void sizeBoundIsTheTextsLengthOnAHostUnder100MillionKiB() {
        for (Map<String, String> files : List.of(v1(48 * MIB, 30 * MIB), v2("max", 30 * MIB), v2("max", 0))) {
            Version version = files.containsKey("memory.max") ? Version.V2 : Version.V1;
            assertEquals(MeminfoFormatter.format(HOST, version, files).length(), MeminfoFormatter.sizeBound(HOST));
        }
    }

    @Test
    void sizeBoundCoversWideValuesOnALargeHost() {
        // 2 TiB of memory: a container without a limit shows 10-digit values where the host's
        // own lines (MemFree, Cached, ...) have 8.
        String bigHost = HOST.replace("MemTotal:       24684084 kB", "MemTotal:       2113929216 kB");
        Map<String, String> files = v1(Long.MAX_VALUE, 1800L * 1024 * MIB);
        files.put("memory.stat", "total_cache 1900000000000\ntotal_active_file 1900000000000\n");
        String out = MeminfoFormatter.format(bigHost, Version.V1, files);
        assertTrue(out.length() > bigHost.length(), out);
        assertTrue(out.length() <= MeminfoFormatter.sizeBound(bigHost), out.length() + " > bound");
    }
}
