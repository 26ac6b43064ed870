package org.corral.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.apache.logging.log4j.Logger;
import org.corral.core.CorralException;
import org.corral.core.CorralException.Kind;

/**
 * A directory of XML definitions, one file {@code <dir>/<name>.xml} each, written atomically
 * ({@link AtomicFile}). What the definitions are is given by a parse function, a format function
 * and a name getter; {@link ConfigStore} and the network store are built on it.
 *
 * @param <T> the definition type
 */
public final class XmlFileStore<T> {

    /** Parses one file's XML into a definition. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String xml) throws CorralException;
    }

    private static final String SUFFIX = ".xml";

    private final Path dir;
    private final Logger log;
    private final String kind;
    private final Parser<T> parse;
    private final Function<T, String> format;
    private final Function<T, String> nameOf;

    /**
     * @param log    the owner's logger, for the warnings about leftover and skipped files
     * @param kind   words put before a definition's name when a file's name does not match it
     *               ({@code "network "} gives "it defines network 'x'"), or empty
     */
    public XmlFileStore(Path dir, Logger log, String kind, Parser<T> parse, Function<T, String> format,
            Function<T, String> nameOf) {
        this.dir = dir;
        this.log = log;
        this.kind = kind;
        this.parse = parse;
        this.format = format;
        this.nameOf = nameOf;
    }

    public Path directory() {
        return dir;
    }

    public Path pathOf(String name) {
        return dir.resolve(name + SUFFIX);
    }

    /** Removes temporary files a crash left behind; a missing directory has none. */
    public void sweep() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, AtomicFile.TEMP_PREFIX + "*")) {
            for (Path p : leftovers) {
                log.warn("removing {} left over from an interrupted write", p);
                Files.deleteIfExists(p);
            }
        }
    }

    /** Writes the definition to {@code <name>.xml}, creating the directory if needed. */
    public void save(T definition) throws CorralException {
        Path target = pathOf(nameOf.apply(definition));
        try {
            Files.createDirectories(dir);
            AtomicFile.write(target, format.apply(definition).getBytes(StandardCharsets.UTF_8), "rw-------");
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot write " + target + ": " + describe(e), e);
        }
    }

    /** Removes the file; false when there was none. */
    public boolean delete(String name) throws CorralException {
        Path target = pathOf(name);
        try {
            return AtomicFile.delete(target);
        } catch (IOException e) {
            throw new CorralException(Kind.FAILED, "cannot remove " + target + ": " + describe(e), e);
        }
    }

    /**
     * Reads every definition; none when the directory does not exist. A file that can't be read
     * or parsed, or whose name does not match the name inside, is logged by name and skipped: one
     * bad file must not keep the others from loading.
     */
    public List<T> loadAll() throws IOException {
        List<T> loaded = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return loaded;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                String expected = fileName.substring(0, fileName.length() - SUFFIX.length());
                try {
                    T d = parse.parse(Files.readString(file, StandardCharsets.UTF_8));
                    String name = nameOf.apply(d);
                    if (!name.equals(expected)) {
                        log.error("skipping {}: it defines {}'{}', but the file name says '{}'", file, kind, name,
                                expected);
                        continue;
                    }
                    loaded.add(d);
                } catch (CorralException e) {
                    log.error("skipping {}: {}", file, e.getMessage());
                } catch (IOException | RuntimeException e) {
                    log.error("skipping {}: cannot read it: {}", file, describe(e));
                }
            }
        }
        return loaded;
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
