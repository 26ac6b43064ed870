package org.corral.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Paths inside a container, seen from the host through {@code /proc/INIT/root}. The kernel
 * follows an absolute symlink met on such a path from the caller's root, not the container's
 * ({@code /bin/cat -> /bin/busybox} would name the host's busybox), so symlinks are followed here
 * one by one, as a process whose root is the container's would (openat2's RESOLVE_IN_ROOT).
 */
public final class ContainerRoot {

    /** As the kernel's limit on nested symlinks. */
    private static final int MAX_LINKS = 40;

    private ContainerRoot() {
    }

    /** The host path of init's root: {@code /proc/PID/root}. */
    public static Path of(int initPid) {
        return Path.of("/proc/" + initPid + "/root");
    }

    /**
     * The host path of what {@code absolute} names inside {@code root}, every symlink followed
     * within it (".." stops at the root); null when a component is missing or links loop.
     */
    public static Path resolve(Path root, String absolute) {
        Deque<String> todo = new ArrayDeque<>(List.of(absolute.split("/")));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            Path here = root.resolve(String.join("/", done)).resolve(c);
            if (Files.isSymbolicLink(here)) {
                if (++links > MAX_LINKS) {
                    return null;
                }
                String target;
                try {
                    target = Files.readSymbolicLink(here).toString();
                } catch (IOException e) {
                    return null;
                }
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> parts = List.of(target.split("/"));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
            } else if (Files.exists(here, LinkOption.NOFOLLOW_LINKS)) {
                done.add(c);
            } else {
                return null;
            }
        }
        return root.resolve(String.join("/", done));
    }
}
