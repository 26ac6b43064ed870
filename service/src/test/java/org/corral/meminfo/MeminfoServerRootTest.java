package org.corral.meminfo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.corral.launcher.LiveState;
import org.corral.launcher.cgroup.CgroupLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real corral-meminfo server, started the way corrald starts it, on a temporary runtime
 * directory and a 48 MiB memory cgroup. Needs root (FUSE mount, cgroup creation, unshare); it
 * fails, loudly, when not run as root rather than being skipped unseen.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MeminfoServerRootTest {

    private static final long LIMIT = 48L * 1024 * 1024;

    /** Stands in for corrald: starts the server, then waits to be SIGKILLed. */
    public static final class Starter {
        public static void main(String[] args) throws Exception {
            MeminfoServer.ensureRunning(Path.of(args[0]), Path.of(System.getProperty("java.home")), args[1]);
            System.out.println("started");
            System.out.flush();
            Thread.sleep(600_000);
        }
    }

    @Test
    void servesTheCgroupLimitAndOutlivesItsStarter() throws Exception {
        if (!"root".equals(System.getProperty("user.name")) || !Files.isWritable(Path.of("/sys/fs/cgroup"))) {
            fail("MeminfoServerRootTest needs root: it mounts FUSE, creates a memory cgroup and runs unshare. "
                    + "Run `mvn test` as root, or exclude it with -Dtest='!MeminfoServerRootTest'.");
        }
        // surefire runs tests from a manifest-only jar; the server needs the real class path
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String suffix = Long.toHexString(new Random().nextLong() & 0xffffffffL);
        String name = "mt-" + suffix;
        Path runtimeDir = Files.createTempDirectory("corral-meminfo-test-");
        CgroupLayout layout = CgroupLayout.detect();
        boolean v1 = layout.v1().containsKey("memory");
        Path cgroup = (v1 ? layout.v1().get("memory") : layout.v2()).resolve("corral-test-" + suffix);
        Files.createDirectory(cgroup);
        Process starter = null;
        long[] pids = new long[1];
        try {
            Files.writeString(cgroup.resolve(v1 ? "memory.limit_in_bytes" : "memory.max"), Long.toString(LIMIT));
            new LiveState(name, "00000000-0000-0000-0000-000000000000", false, "/" + cgroup.getFileName(),
                    0, 1, 0, 1, 0, "none", java.util.List.of()).write(runtimeDir.resolve(name + ".state"));
            Path file = MeminfoServer.meminfoFile(runtimeDir, name);

            // started by a "corrald" that is then SIGKILLed
            starter = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", classPath, Starter.class.getName(), runtimeDir.toString(), classPath)
                    .redirectErrorStream(true).start();
            StringBuilder starterOut = new StringBuilder();
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(starter.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null && !l.equals("started"); l = r.readLine()) {
                    starterOut.append(l).append('\n');
                }
                assertTrue(starter.isAlive(), "starter failed: " + starterOut + "\nserver log: " + log(runtimeDir));
                long pid = MeminfoServer.serverPid(runtimeDir).orElseThrow();
                starter.destroyForcibly().waitFor();
                pids[0] = pid;
            }
            long pid = pids[0];
            assertTrue(MeminfoServer.isServing(runtimeDir), "server died with its starter");
            assertEquals(Long.toString(pid), sessionId(pid), "server is not in its own session");

            String content = Files.readString(file, StandardCharsets.US_ASCII);
            assertTrue(content.startsWith("MemTotal:          49152 kB\n"), content);
            // sendfile(2) reads up to st_size: never less than the text; its length on a host
            // under 10^8 kB of memory and swap (MeminfoFormatter.sizeBound).
            String host = Files.readString(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII);
            assertEquals(MeminfoFormatter.sizeBound(host), Files.size(file), "st_size");
            assertTrue(Files.size(file) >= content.length(), "st_size below the text's length");
            assertTrue(content.contains("\nBuffers:               0 kB\n"), content);

            readsAtAnyOffset(file, content.getBytes(StandardCharsets.US_ASCII));

            assertThrows(NoSuchFileException.class,
                    () -> Files.readString(MeminfoServer.meminfoFile(runtimeDir, "no-such-container")));
            try (Stream<Path> s = Files.list(MeminfoServer.mountPoint(runtimeDir))) {
                List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
                assertEquals(List.of(".alive", name), names);
            }
            assertThrows(IOException.class, () -> Files.writeString(file, "x"));

            String free = run("unshare", "-p", "-m", "--fork", "--mount-proc", "sh", "-c",
                    "mount --bind " + file + " /proc/meminfo && free -k");
            String memLine = free.lines().filter(l -> l.startsWith("Mem:")).findFirst().orElseThrow();
            assertEquals("49152", memLine.split("\\s+")[1], free);

            // Already served: a second ensureRunning starts nothing.
            MeminfoServer.ensureRunning(runtimeDir, Path.of(System.getProperty("java.home")), classPath);
            assertEquals(pid, MeminfoServer.serverPid(runtimeDir).orElseThrow());

            reportMemory(pid);

            // Killed: the mount goes stale (ENOTCONN); ensureRunning detaches it and starts anew.
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            waitGone(pid);
            assertFalse(MeminfoServer.isServing(runtimeDir));
            IOException stale = assertThrows(IOException.class, () -> Files.readString(file));
            assertTrue(String.valueOf(stale.getMessage()).contains("not connected"), stale.toString());
            MeminfoServer.ensureRunning(runtimeDir, Path.of(System.getProperty("java.home")), classPath);
            long pid2 = MeminfoServer.serverPid(runtimeDir).orElseThrow();
            assertNotEquals(pid, pid2);
            assertTrue(Files.readString(file).startsWith("MemTotal:          49152 kB\n"));
        } finally {
            if (starter != null) {
                starter.destroyForcibly().waitFor();
            }
            // A starter killed early may still have a server coming up: kill whatever holds the lock.
            long deadline = System.currentTimeMillis() + 15000;
            while (MeminfoServer.lockHeld(runtimeDir) && System.currentTimeMillis() < deadline) {
                MeminfoServer.serverPid(runtimeDir).ifPresent(p -> {
                    ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
                    waitGone(p);
                });
                Thread.sleep(50);
            }
            MeminfoServer.detachMounts(runtimeDir);
            Files.delete(cgroup);
            try (Stream<Path> s = Files.walk(runtimeDir)) {
                for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** pread at every offset with odd sizes, and past the end, as dd skip= and python seek do. */
    private static void readsAtAnyOffset(Path file, byte[] whole) throws IOException, InterruptedException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int size : new int[] {1, 7, 13, 100, 4096}) {
                List<Byte> got = new ArrayList<>();
                long pos = 0;
                ByteBuffer buf = ByteBuffer.allocate(size);
                while (true) {
                    buf.clear();
                    int n = ch.read(buf, pos);
                    if (n < 0) {
                        break;
                    }
                    for (int i = 0; i < n; i++) {
                        got.add(buf.get(i));
                    }
                    pos += n;
                }
                byte[] b = new byte[got.size()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = got.get(i);
                }
                // Each pass starts at 0 and so takes a fresh snapshot, whose host-copied lines
                // (Dirty, AnonPages, ...) may have moved on; the container's own lines have not.
                assertSameShape(whole, b, "pieces of " + size);
            }
            ByteBuffer buf = ByteBuffer.allocate(50);
            assertEquals(50, ch.read(buf, 100));
            assertArrayEquals(java.util.Arrays.copyOfRange(whole, 100, 150), buf.array());
            buf.clear();
            assertEquals(-1, ch.read(buf, whole.length + 5));
        }
        String dd = run("dd", "if=" + file, "bs=7", "skip=3", "count=5", "status=none");
        assertEquals(new String(whole, 21, 35, StandardCharsets.US_ASCII), dd);
    }

    private static void assertSameShape(byte[] expected, byte[] actual, String what) {
        String e = new String(expected, StandardCharsets.US_ASCII);
        String a = new String(actual, StandardCharsets.US_ASCII);
        assertEquals(List.copyOf(MeminfoFormatter.parseMeminfo(e).keySet()),
                List.copyOf(MeminfoFormatter.parseMeminfo(a).keySet()), what);
        assertEquals(e.lines().limit(5).toList(), a.lines().limit(5).toList(), what);
        assertTrue(a.endsWith(" kB\n") || a.endsWith("\n"), what);
    }

    private static String sessionId(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3];
    }

    private static void reportMemory(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS") || l.startsWith("RssAnon") || l.startsWith("RssFile") || l.startsWith("Threads")) {
                System.out.println("corral-meminfo " + l.replaceAll("\\s+", " "));
            }
        }
    }

    private static void waitGone(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        long deadline = System.currentTimeMillis() + 10000;
        while (Files.exists(Path.of("/proc/" + pid)) && System.currentTimeMillis() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + s);
        return s;
    }

    private static String log(Path runtimeDir) {
        try {
            return Files.readString(MeminfoServer.logFile(runtimeDir));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
