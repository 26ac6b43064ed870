package org.corral.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
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

/** Process and file helpers: everything is stopped by PID, never by name. */
public final class Processes {
    private Processes() {
    }

    /** Direct children of {@code pid}, from /proc/PID/task/*&#47;children. */
    public static List<Long> childrenOf(long pid) {
        List<Long> result = new ArrayList<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                try {
                    for (String child : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!child.isEmpty()) {
                            result.add(Long.parseLong(child));
                        }
                    }
                } catch (NoSuchFileException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (NoSuchFileException e) {
            // the process ended meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /** All descendants of {@code pid}, each child before its own children. */
    public static List<Long> descendantsOf(long pid) {
        List<Long> result = new ArrayList<>();
        for (long child : childrenOf(pid)) {
            result.add(child);
            result.addAll(descendantsOf(child));
        }
        return result;
    }

    /**
     * PIDs of processes whose start-up environment has {@code key} with a value containing
     * {@code needle} (from /proc/PID/environ; processes we may not read are skipped).
     */
    public static List<Long> withEnvironment(String key, String needle) {
        List<Long> result = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : proc) {
                try {
                    String env = new String(Files.readAllBytes(dir.resolve("environ")), java.nio.charset.StandardCharsets.UTF_8);
                    for (String entry : env.split("\0")) {
                        if (entry.startsWith(key + "=") && entry.contains(needle)) {
                            result.add(Long.parseLong(dir.getFileName().toString()));
                            break;
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // gone meanwhile, or not readable
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    public static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The command line of a process, NUL separators turned into blanks; empty once it is gone. */
    public static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * SIGTERM to {@code pid}, wait up to {@code grace}, then SIGKILL and wait again.
     * Returns true when the process had to be killed.
     */
    public static boolean terminate(long pid, Duration grace) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        handle.get().destroy();
        if (waitForExit(handle.get(), grace)) {
            return false;
        }
        handle.get().destroyForcibly();
        waitForExit(handle.get(), Duration.ofSeconds(10));
        return true;
    }

    /** SIGKILL to {@code pid} and wait (bounded) until it is gone. */
    public static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly();
            waitForExit(h, Duration.ofSeconds(10));
        });
    }

    private static boolean waitForExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        }
    }

    /** Deletes a directory tree; a missing tree is fine. */
    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** Reads a file, or returns "" when it does not exist. */
    public static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "<cannot read " + file + ": " + e + ">";
        }
    }
}
