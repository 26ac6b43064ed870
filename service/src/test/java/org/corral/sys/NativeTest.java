package org.corral.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The native layer's own bindings (jnr-ffi): spawning with fd mapping, waiting, errors with errno. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NativeTest {

    @Test
    void spawnMapsFdsPassesTheEnvironmentAndReportsTheExitStatus() throws IOException {
        int[] pipe = Native.pipe();
        int out = Native.dupAtLeast(pipe[1], 64);
        Native.close(pipe[1]);
        int pid;
        try {
            pid = Native.spawn("/bin/sh", List.of("sh", "-c", "echo \"$GREETING\" >&1; exit 3"),
                    List.of("GREETING=hello from spawn", "PATH=/usr/bin:/bin"), new int[] {-1, out, out});
        } finally {
            Native.close(out);
        }
        int status = Native.waitpid(pid);
        assertEquals(3, (status >> 8) & 0xff, "exit status 3 in the wait status " + status);
        try (FileInputStream in = new FileInputStream("/proc/self/fd/" + pipe[0])) {
            // read(byte[]) to EOF: readAllBytes would seek, which a pipe refuses
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[256];
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                got.write(buf, 0, n);
            }
            assertEquals("hello from spawn\n", got.toString(StandardCharsets.UTF_8));
        } finally {
            Native.close(pipe[0]);
        }
    }

    @Test
    void aSourceFdAmongTheTargetsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Native.spawn("/bin/true", List.of("true"), List.of(),
                new int[] {-1, 1, 2}));
    }

    @Test
    void failuresCarryTheCallAndErrno() {
        SyscallException spawn = assertThrows(SyscallException.class,
                () -> Native.spawn("/nonexistent/corral-test", List.of("x"), List.of(), new int[0]));
        assertEquals(Errno.ENOENT, spawn.errno());
        assertTrue(spawn.getMessage().startsWith("posix_spawn(/nonexistent/corral-test): "), spawn.getMessage());

        SyscallException kill = assertThrows(SyscallException.class, () -> Native.kill(Integer.MAX_VALUE, 0));
        assertEquals(Errno.ESRCH, kill.errno());

        SyscallException close = assertThrows(SyscallException.class, () -> Native.close(1 << 20));
        assertEquals(Errno.EBADF, close.errno());

        SyscallException wait = assertThrows(SyscallException.class, () -> Native.waitpid(Integer.MAX_VALUE));
        assertEquals(Errno.ECHILD, wait.errno());
    }
}
