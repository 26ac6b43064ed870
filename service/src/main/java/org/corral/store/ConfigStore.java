package org.corral.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/**
 * Persistent container definitions: one file {@code <dir>/<name>.xml} per container, holding the
 * XML exactly as GetXML(inactive) returns it. Writes are atomic ({@link AtomicFile}).
 */
public final class ConfigStore {

    private static final Logger LOG = LogManager.getLogger(ConfigStore.class);
    private static final String SUFFIX = ".xml";

    private final Path dir;

    public ConfigStore(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    public Path pathOf(String name) {
        return dir.resolve(name + SUFFIX);
    }

    /** Creates the directory if needed and removes temporary files a crash left behind. */
    public void open() throws IOException {
        Files.createDirectories(dir);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, AtomicFile.TEMP_PREFIX + "*")) {
            for (Path p : leftovers) {
                LOG.warn("removing {} left over from an interrupted write", p);
                Files.deleteIfExists(p);
            }
        }
    }

    public void save(Domain domain) throws CorralException {
        Path target = pathOf(domain.getName());
        try {
            AtomicFile.write(target, DomainXml.format(domain).getBytes(StandardCharsets.UTF_8), "rw-------");
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot write " + target + ": " + describe(e), e);
        }
    }

    public void delete(String name) throws CorralException {
        Path target = pathOf(name);
        try {
            AtomicFile.delete(target);
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot remove " + target + ": " + describe(e), e);
        }
    }

    /**
     * Reads every definition. A file that can't be read or parsed, or whose name does not match
     * the {@code <name>} inside, is logged by name and skipped: one bad file must not keep the
     * others from loading.
     */
    public List<Domain> loadAll() throws IOException {
        List<Domain> loaded = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                String expected = fileName.substring(0, fileName.length() - SUFFIX.length());
                try {
                    Domain d = DomainXml.parse(Files.readString(file, StandardCharsets.UTF_8));
                    if (!d.getName().equals(expected)) {
                        LOG.error("skipping {}: it defines '{}', but the file name says '{}'",
                                file, d.getName(), expected);
                        continue;
                    }
                    loaded.add(d);
                } catch (CorralException e) {
                    LOG.error("skipping {}: {}", file, e.getMessage());
                } catch (IOException | RuntimeException e) {
                    LOG.error("skipping {}: cannot read it: {}", file, describe(e));
                }
            }
        }
        return loaded;
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
