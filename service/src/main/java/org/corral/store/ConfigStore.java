package org.corral.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.logging.log4j.LogManager;
import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.core.CorralException;

/**
 * Persistent container definitions: one file {@code <dir>/<name>.xml} per container, holding the
 * XML exactly as GetXML(inactive) returns it. Writes are atomic ({@link AtomicFile}).
 */
public final class ConfigStore {

    private final XmlFileStore<Domain> files;

    public ConfigStore(Path dir) {
        this.files = new XmlFileStore<>(dir, LogManager.getLogger(ConfigStore.class), "", DomainXml::parse,
                DomainXml::format, Domain::getName);
    }

    public Path directory() {
        return files.directory();
    }

    public Path pathOf(String name) {
        return files.pathOf(name);
    }

    /** Creates the directory if needed and removes temporary files a crash left behind. */
    public void open() throws IOException {
        Files.createDirectories(files.directory());
        files.sweep();
    }

    public void save(Domain domain) throws CorralException {
        files.save(domain);
    }

    public void delete(String name) throws CorralException {
        files.delete(name);
    }

    /**
     * Reads every definition. A file that can't be read or parsed, or whose name does not match
     * the {@code <name>} inside, is logged by name and skipped: one bad file must not keep the
     * others from loading.
     */
    public List<Domain> loadAll() throws IOException {
        return files.loadAll();
    }
}
