package org.corral.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;
import org.corral.network.model.NetworkDefinition;
import org.corral.store.AtomicFile;

/**
 * Persistent network definitions, one file {@code <dir>/<name>.xml} each (default
 * /etc/corral/networks), written atomically ({@link AtomicFile}) as GetXML returns them.
 */
public final class NetworkStore {

    private static final Logger LOG = LogManager.getLogger(NetworkStore.class);
    private static final String SUFFIX = ".xml";
    private static final String TEMP_PREFIX = ".tmp-"; // AtomicFile's temporary files

    private final Path dir;

    public NetworkStore(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    public Path pathOf(String name) {
        return dir.resolve(name + SUFFIX);
    }

    /**
     * Removes temporary files a crash left behind. A missing directory is fine (only the built-in
     * network exists then); it is created by the first {@link #save}.
     */
    public void open() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path p : leftovers) {
                LOG.warn("removing {} left over from an interrupted write", p);
                Files.deleteIfExists(p);
            }
        }
    }

    public void save(NetworkDefinition def) throws CorralException {
        Path target = pathOf(def.getName());
        try {
            Files.createDirectories(dir);
            AtomicFile.write(target, NetworkXml.format(def).getBytes(StandardCharsets.UTF_8), "rw-------");
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Removes the file; false when there was none. */
    public boolean delete(String name) throws CorralException {
        Path target = pathOf(name);
        try {
            return AtomicFile.delete(target);
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot remove " + target + ": " + e.getMessage(), e);
        }
    }

    /** Every readable definition; bad files (or a name that does not match the file) are logged and skipped. */
    public List<NetworkDefinition> loadAll() throws IOException {
        List<NetworkDefinition> loaded = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return loaded;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                String expected = fileName.substring(0, fileName.length() - SUFFIX.length());
                try {
                    NetworkDefinition d = NetworkXml.parse(Files.readString(file, StandardCharsets.UTF_8));
                    if (!d.getName().equals(expected)) {
                        LOG.error("skipping {}: it defines network '{}', but the file name says '{}'", file,
                                d.getName(), expected);
                        continue;
                    }
                    loaded.add(d);
                } catch (CorralException e) {
                    LOG.error("skipping {}: {}", file, e.getMessage());
                } catch (IOException | RuntimeException e) {
                    LOG.error("skipping {}: cannot read it: {}", file, e.getMessage() != null ? e.getMessage() : e.toString());
                }
            }
        }
        return loaded;
    }
}
