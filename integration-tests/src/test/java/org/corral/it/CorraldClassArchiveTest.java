package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * corrald's wrapper keeps a class archive (jvm-cds.sh): a service run records the classes it
 * loads, a later start dumps the archive in the background, and the starts after that map it.
 * The suite's services share one cache ({@link Install#daemonCache}), so it may be warm already.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CorraldClassArchiveTest {
    private final Install install = Install.fromBuild();

    @Test
    void aStartAfterTheFirstRunsMapsTheArchiveAndLogsNothingAboutIt() throws Exception {
        Path cache = Install.daemonCache();
        try (PrivateSystemBus bus = PrivateSystemBus.withoutActivation(install)) {
            for (int start = 1; start <= 4; start++) {
                try (CorralService service = CorralService.start(install, bus)) {
                    String cmdline = Files.readString(Path.of("/proc/" + service.pid() + "/cmdline")).replace('\0', ' ');
                    if (cmdline.contains("-XX:SharedArchiveFile=" + cache + "/corrald-")) {
                        String maps = Files.readString(Path.of("/proc/" + service.pid() + "/maps"));
                        assertTrue(maps.lines().anyMatch(l -> l.contains(cache + "/corrald-") && l.endsWith(".jsa")),
                                "the archive is mapped (else the JVM refused it silently): " + cmdline);
                        service.stop();
                        assertTrue(service.stderr().lines().noneMatch(l -> l.contains("[cds") || l.contains("shared archive")), "no CDS messages: " + service.stderr());
                        assertTrue(service.stderr().lines().noneMatch(l -> l.startsWith("SLF4J")),
                                "no SLF4J set-up messages: " + service.stderr());
                        return;
                    }
                    if (start == 1) {
                        assertTrue(cmdline.contains("-XX:DumpLoadedClassList=" + cache + "/corrald-")
                                || !archivesDumping(cache).isEmpty() || Files.exists(classList(cache)),
                                "a cold cache makes the first start record its classes: " + cmdline);
                    }
                    service.stop();
                }
                // A start after the recording one starts the dump: wait for it before the next.
                Poll.until(Duration.ofSeconds(120), () -> archivesDumping(cache).isEmpty());
            }
            throw new AssertionError("no start used an archive; cache: " + Install.cacheFiles(cache));
        }
    }

    private static Path classList(Path cache) {
        return Install.cacheFiles(cache).stream().filter(n -> n.startsWith("corrald-") && n.endsWith(".classlist"))
                .map(cache::resolve).findFirst().orElse(cache.resolve("none"));
    }

    private static List<String> archivesDumping(Path cache) {
        return Install.cacheFiles(cache).stream().filter(n -> n.startsWith("corrald-") && n.matches(".*\\.jsa\\.[0-9]+")).toList();
    }

    @Test
    void theArchiveCacheIsTheBuildsNotTheHosts() {
        assertEquals("jvm-cache", Install.daemonCache().getFileName().toString());
        assertTrue(Install.daemonCache().startsWith(Install.projectRoot()), Install.daemonCache().toString());
    }
}
