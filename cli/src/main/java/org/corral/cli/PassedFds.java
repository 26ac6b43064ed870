package org.corral.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.freedesktop.dbus.FileDescriptor;

/**
 * The caller's own open fds named by --pass-fds, as D-Bus handles. The fd must have been open
 * when the JVM started (inherited): a number the JVM opened itself (a jar, the JDK's modules
 * file) is refused, since passing it would hand the container an unrelated file.
 */
final class PassedFds {
    /** dbus-daemon's limit per message. */
    static final int MAX = 16;

    private PassedFds() {
    }

    static List<FileDescriptor> of(List<Integer> numbers) {
        List<FileDescriptor> fds = new ArrayList<>();
        if (numbers == null) {
            return fds;
        }
        if (numbers.size() > MAX) {
            throw new UserError("--pass-fds: at most " + MAX + " fds, got " + numbers.size());
        }
        for (int n : numbers) {
            if (n < 0) {
                throw new UserError("--pass-fds: " + n + " is not an fd number");
            }
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + n)).toString();
            } catch (NoSuchFileException e) {
                throw new UserError("--pass-fds: fd " + n + " is not open");
            } catch (IOException e) {
                throw new UserError("--pass-fds: cannot check fd " + n + ": " + e.getMessage());
            }
            if (jvmOwn(target)) {
                throw new UserError("--pass-fds: fd " + n + " is not open (the JVM uses it for " + target + ")");
            }
            fds.add(new FileDescriptor(n));
        }
        return fds;
    }

    private static boolean jvmOwn(String target) {
        String javaHome = System.getProperty("java.home", "/nonexistent");
        if (target.startsWith(javaHome + "/")) {
            return true;
        }
        String cp = System.getProperty("java.class.path", "");
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                try {
                    if (Path.of(entry).toRealPath().toString().equals(target)) {
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    // not there: cannot be the target
                }
            }
        }
        return target.endsWith(".jsa");
    }
}
