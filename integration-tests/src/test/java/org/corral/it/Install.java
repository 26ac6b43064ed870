package org.corral.it;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The corral install tree that the build unpacked from the corral-dist tarball
 * (system property {@code corral.install.root}, set by the pom), and where things live in it.
 */
public final class Install {
    public static final String BUS_NAME = "org.corral1";
    public static final String MANAGER_PATH = "/org/corral1";
    public static final String MANAGER_IFACE = "org.corral1.Manager";
    public static final String CONTAINER_IFACE = "org.corral1.Container";

    private final Path root;

    private Install(Path root) {
        this.root = root;
    }

    /** The install root unpacked by the build; fails when the build did not unpack it. */
    public static Install fromBuild() {
        String dir = System.getProperty("corral.install.root");
        if (dir == null) {
            throw new IllegalStateException("system property corral.install.root is not set (run the tests through Maven)");
        }
        return at(Path.of(dir));
    }

    public static Install at(Path root) {
        Path corrald = root.resolve("usr/libexec/corral/corrald");
        if (!Files.isRegularFile(corrald)) {
            throw new IllegalStateException("no install tree at " + root + ": " + corrald + " is missing");
        }
        return new Install(root.toAbsolutePath().normalize());
    }

    /** The project version the tarball was built for. */
    public static String version() {
        return System.getProperty("corral.version", "0.1.0");
    }

    /** The source tree's root directory (the Maven reactor root). */
    public static Path projectRoot() {
        return Path.of(System.getProperty("corral.project.root", "..")).toAbsolutePath().normalize();
    }

    /** The tarball built by corral-dist. */
    public static Path tarball() {
        return projectRoot().resolve("dist/target/corral-" + version() + ".tar.gz");
    }

    public Path root() {
        return root;
    }

    public Path resolve(String relative) {
        return root.resolve(relative);
    }

    public Path corrald() {
        return root.resolve("usr/libexec/corral/corrald");
    }

    public Path libDir() {
        return root.resolve("usr/lib/corral");
    }

    public Path activationFile() {
        return root.resolve("usr/share/dbus-1/system-services/org.corral1.service");
    }

    public Path busPolicy() {
        return root.resolve("usr/share/dbus-1/system.d/org.corral1.conf");
    }

    public Path polkitActions() {
        return root.resolve("usr/share/polkit-1/actions/org.corral1.policy");
    }

    public Path systemdUnit() {
        return root.resolve("usr/lib/systemd/system/corral.service");
    }

    /**
     * What corrald started by a test gets besides the bus address: the java the tests run on, and
     * a class archive cache of the build's own (next to the install root, so the suite's services
     * start from a warm archive without touching the host's /var/cache/corral).
     */
    public static java.util.Map<String, String> daemonEnvironment() {
        return java.util.Map.of("CORRAL_JAVA", java(), "CORRAL_CACHE_DIR", daemonCache().toString());
    }

    /** The names of the files in a class archive cache, sorted; none when it does not exist. */
    public static java.util.List<String> cacheFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return java.util.List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            return java.util.List.of();
        }
    }

    /** The class archive cache of {@link #daemonEnvironment}. */
    public static Path daemonCache() {
        String dir = System.getProperty("corral.install.root", "target/install-root");
        return Path.of(dir).toAbsolutePath().normalize().resolveSibling("jvm-cache");
    }

    /** The java the tests run on, handed to corrald as CORRAL_JAVA. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
