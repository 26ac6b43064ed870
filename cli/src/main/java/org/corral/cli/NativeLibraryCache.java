package org.corral.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * junixsocket unpacks its JNI library into a new temporary file on every run (tens of ms). When
 * the wrapper names a cache file ({@code -Dcorral.cli.native-cache=FILE}: in its own cache
 * directory, keyed like the class archive by the jars' sizes and mtimes, checked for ownership),
 * the library is unpacked there once and loaded from there afterwards
 * (org.newsclub.net.unix.library.override, which falls back to junixsocket's own search when
 * the file does not load). Any problem: nothing is set, junixsocket does as usual.
 */
final class NativeLibraryCache {
    static final String PROPERTY = "corral.cli.native-cache";
    private static final String OVERRIDE = "org.newsclub.net.unix.library.override";
    private static final String POM_PROPERTIES = "META-INF/maven/com.kohlschutter.junixsocket/junixsocket-common/pom.properties";

    private NativeLibraryCache() {
    }

    static void useIfConfigured() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isEmpty() || System.getProperty(OVERRIDE) != null) {
            return;
        }
        try {
            Path target = Path.of(file);
            if (!Files.isRegularFile(target)) {
                unpack(target);
            }
            if (Files.isRegularFile(target)) {
                System.setProperty(OVERRIDE, target.toString());
            }
        } catch (IOException | RuntimeException e) {
            // junixsocket's own way then
        }
    }

    /** The library in junixsocket-native-common for this machine, e.g. lib/amd64-Linux-clang/jni/... */
    static String resource() throws IOException {
        java.util.Properties pom = new java.util.Properties();
        try (InputStream in = NativeLibraryCache.class.getClassLoader().getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return null;
            }
            pom.load(in);
        }
        String version = pom.getProperty("version");
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").replace(" ", "");
        return version == null ? null : "lib/" + arch + "-" + os + "-clang/jni/libjunixsocket-native-" + version + ".so";
    }

    private static void unpack(Path target) throws IOException {
        String resource = resource();
        if (resource == null) {
            return;
        }
        try (InputStream in = NativeLibraryCache.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return;
            }
            Path tmp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid());
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
