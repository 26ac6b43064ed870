package org.corral.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void replacesContentAndLeavesNoTemporaryFile() throws IOException {
        Path f = dir.resolve("a.xml");
        AtomicFile.write(f, "one".getBytes(StandardCharsets.UTF_8), "rw-------");
        AtomicFile.write(f, "two".getBytes(StandardCharsets.UTF_8), "rw-------");
        assertArrayEquals("two".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void failedWriteKeepsTheOldContent() throws IOException {
        Path f = dir.resolve("a.xml");
        AtomicFile.write(f, "old".getBytes(StandardCharsets.UTF_8), "rw-------");
        Path missingDir = dir.resolve("gone/a.xml");
        assertThrows(IOException.class, () -> AtomicFile.write(missingDir, new byte[1], "rw-------"));
        assertEquals("old", Files.readString(f));
    }

    @Test
    void deleteReportsWhetherTheFileExisted() throws IOException {
        Path f = dir.resolve("a.xml");
        Files.writeString(f, "x");
        assertTrue(AtomicFile.delete(f));
        assertFalse(AtomicFile.delete(f));
        assertFalse(Files.exists(f));
    }
}
