package org.corral.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a domain XML file named on the command line ("-" is stdin). */
final class XmlFiles {
    /** The service refuses larger documents anyway; do not read more than a little above that. */
    private static final long MAX_BYTES = 2L << 20;

    private XmlFiles() {
    }

    static String read(String file) {
        try {
            if (file.equals("-")) {
                return new String(System.in.readNBytes((int) MAX_BYTES), StandardCharsets.UTF_8);
            }
            Path p = Path.of(file);
            if (Files.isDirectory(p)) {
                throw new UserError("cannot read " + file + ": is a directory");
            }
            if (Files.size(p) > MAX_BYTES) {
                throw new UserError("cannot read " + file + ": larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError("cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UserError("cannot read " + file + ": permission denied");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UserError("cannot read " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
