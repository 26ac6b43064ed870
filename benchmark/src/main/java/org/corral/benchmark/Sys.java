package org.corral.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Processes (always by PID), /proc readings and files. */
final class Sys {
    private Sys() {
    }

    /** Runs a command to completion and returns its stdout; fails on a non-zero status. */
    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited with " + rc + ": " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + cmd);
        }
    }

    /** Like {@link #run} but never throws; returns "" on any failure. */
    static String tryRun(List<String> cmd) {
        try {
            return run(cmd);
        } catch (RuntimeException e) {
            return "";
        }
    }

    static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL and wait. */
    static void terminate(long pid, Duration grace) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return;
        }
        h.get().destroy();
        if (!waitExit(h.get(), grace)) {
            h.get().destroyForcibly();
            waitExit(h.get(), Duration.ofSeconds(10));
        }
    }

    static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly();
            waitExit(h, Duration.ofSeconds(10));
        });
    }

    static boolean waitExit(ProcessHandle h, Duration timeout) {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        } catch (Exception e) {
            return !h.isAlive();
        }
    }

    static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** PIDs of processes whose command line contains {@code needle} (our own scratch paths only). */
    static List<Long> pidsWithCmdline(String needle) {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path d : s.toList()) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (pid != self && cmdline(pid).contains(needle)) {
                    out.add(pid);
                }
            }
        } catch (IOException e) {
            // none
        }
        return out;
    }

    /** Mount points at or below {@code dir}, deepest first (from /proc/self/mountinfo). */
    static List<String> mountsBelow(Path dir) {
        List<String> out = new ArrayList<>();
        String prefix = dir.toString();
        for (String line : readOr(Path.of("/proc/self/mountinfo"), "").split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                String mp = f[4].replace("\\040", " ");
                if (mp.equals(prefix) || mp.startsWith(prefix + "/")) {
                    out.add(mp);
                }
            }
        }
        out.sort(Comparator.comparingInt(String::length).reversed());
        return out;
    }

    /**
     * Waits until the CPUs are at least {@code idleShare} idle over two consecutive seconds
     * (from /proc/stat's first line), or {@code max} has passed; returns the time waited. The
     * kernel frees destroyed cgroups in workers after the fact, and on two cores that work
     * competes with whatever is measured next.
     */
    static Duration awaitIdleCpus(double idleShare, Duration max) {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        int quietSeconds = 0;
        long[] before = cpuTimes();
        while (quietSeconds < 2 && System.nanoTime() < deadline) {
            Bus.sleep(1000);
            long[] after = cpuTimes();
            long total = after[0] - before[0];
            long idle = after[1] - before[1];
            quietSeconds = total > 0 && idle >= idleShare * total ? quietSeconds + 1 : 0;
            before = after;
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** {total, idle + iowait} jiffies of all CPUs. */
    private static long[] cpuTimes() {
        String[] f = readOr(Path.of("/proc/stat"), "cpu 0").lines().findFirst().orElse("cpu 0").trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = (f.length > 4 ? Long.parseLong(f[4]) : 0) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
        return new long[] {total, idle};
    }

    /** A "Key:   123 kB" field of /proc/PID/status or smaps_rollup, in kB; -1 when unreadable. */
    static long procKb(long pid, String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    static String readOr(Path file, String fallback) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return fallback;
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException e) {
                    // fine
                }
            }
        } catch (IOException e) {
            System.err.println("bench: cannot delete " + root + ": " + e);
        }
    }

    /** Directories /sys/fs/cgroup/* /machine/bench-* (one level of hierarchies, as on v1 and v2). */
    static List<Path> benchCgroups() {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> hier = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hier.toList()) {
                Path machine = h.resolve("machine");
                if (!Files.isDirectory(machine)) {
                    continue;
                }
                try (Stream<Path> s = Files.list(machine)) {
                    s.filter(p -> p.getFileName().toString().startsWith("bench-") && Files.isDirectory(p))
                            .forEach(out::add);
                }
            }
        } catch (IOException e) {
            // no cgroup file system: nothing can be left
        }
        // v2 root directly (unified hierarchy mounted at /sys/fs/cgroup)
        Path machine = Path.of("/sys/fs/cgroup/machine");
        if (Files.isDirectory(machine)) {
            try (Stream<Path> s = Files.list(machine)) {
                s.filter(p -> p.getFileName().toString().startsWith("bench-") && Files.isDirectory(p))
                        .filter(p -> !out.contains(p)).forEach(out::add);
            } catch (IOException e) {
                // ignore
            }
        }
        return out;
    }
}
