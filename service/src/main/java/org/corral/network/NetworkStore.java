package org.corral.network;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.corral.core.CorralException;
import org.corral.network.model.NetworkDefinition;
import org.corral.store.AtomicFile;
import org.corral.store.XmlFileStore;

/**
 * Persistent network definitions, one file {@code <dir>/<name>.xml} each (default
 * /etc/corral/networks), written atomically ({@link AtomicFile}) as GetXML returns them.
 */
public final class NetworkStore {

    private final XmlFileStore<NetworkDefinition> files;

    public NetworkStore(Path dir) {
        this.files = new XmlFileStore<>(dir, LogManager.getLogger(NetworkStore.class), "network ", NetworkXml::parse,
                NetworkXml::format, NetworkDefinition::getName);
    }

    public Path directory() {
        return files.directory();
    }

    public Path pathOf(String name) {
        return files.pathOf(name);
    }

    /**
     * Removes temporary files a crash left behind. A missing directory is fine (only the built-in
     * network exists then); it is created by the first {@link #save}.
     */
    public void open() throws IOException {
        files.sweep();
    }

    public void save(NetworkDefinition def) throws CorralException {
        files.save(def);
    }

    /** Removes the file; false when there was none. */
    public boolean delete(String name) throws CorralException {
        return files.delete(name);
    }

    /** Every readable definition; bad files (or a name that does not match the file) are logged and skipped. */
    public List<NetworkDefinition> loadAll() throws IOException {
        return files.loadAll();
    }
}
