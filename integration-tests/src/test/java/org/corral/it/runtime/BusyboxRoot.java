package org.corral.it.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.corral.it.Cli;
import org.corral.it.Processes;

/**
 * A container root filesystem in a temporary directory, made from the host's static busybox:
 * /bin/busybox plus a symlink per applet in /bin and /sbin, empty /proc /sys /dev /tmp /etc /run,
 * and an /etc/passwd with root. Scripts written with {@link #script} become container inits.
 */
public final class BusyboxRoot implements AutoCloseable {
    public static final Path BUSYBOX = Path.of("/bin/busybox");

    private final Path dir;

    private BusyboxRoot(Path dir) {
        this.dir = dir;
    }

    /** Builds a new root; fails loudly when /bin/busybox is missing. */
    public static BusyboxRoot create() {
        if (!Files.isRegularFile(BUSYBOX) || !Files.isExecutable(BUSYBOX)) {
            throw new AssertionError(BUSYBOX + " is missing: the runtime tests build container roots from a static busybox;"
                    + " install the Debian package busybox-static (.ci/run does)");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("corral-root");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String d : List.of("bin", "sbin", "proc", "sys", "dev", "tmp", "etc", "run")) {
                Files.createDirectories(dir.resolve(d));
            }
            Files.setPosixFilePermissions(dir.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.copy(BUSYBOX, dir.resolve("bin/busybox"));
            Cli.Result list = Cli.exec(List.of(BUSYBOX.toString(), "--list-full"), Map.of(), java.time.Duration.ofSeconds(10))
                    .assertSuccess();
            for (String applet : list.stdout().split("\n")) {
                String name = applet.trim();
                if (name.isEmpty()) {
                    continue;
                }
                String base = name.substring(name.lastIndexOf('/') + 1);
                String sub = name.contains("sbin/") ? "sbin" : "bin";
                Path link = dir.resolve(sub).resolve(base);
                if (!base.equals("busybox") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of("/bin/busybox"));
                }
            }
            Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
            Files.writeString(dir.resolve("etc/group"), "root:x:0:\ntty:x:5:\n");
            return new BusyboxRoot(dir);
        } catch (IOException e) {
            Processes.deleteTree(dir);
            throw new UncheckedIOException("cannot build a busybox root", e);
        }
    }

    public Path path() {
        return dir;
    }

    /**
     * Writes an executable busybox sh script at {@code relative} (e.g. "init.sh") and returns its
     * path inside the container ("/init.sh").
     */
    public String script(String relative, String body) {
        Path file = dir.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "#!/bin/sh\n" + body);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "/" + relative;
    }

    @Override
    public void close() {
        Processes.deleteTree(dir);
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
