package org.corral.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a file so that a crash at any instant leaves either the old or the new content,
 * never a mix: write a temporary file in the same directory, fsync it, rename it over the
 * target, fsync the directory so the rename itself is durable.
 */
public final class AtomicFile {

    /** Temporary files start with this, so a start-up sweep can remove leftovers of a crash. */
    static final String TEMP_PREFIX = ".tmp-";

    private AtomicFile() {
    }

    public static void write(Path target, byte[] content, String mode) throws IOException {
        write(target, content, mode, true);
    }

    /**
     * @param durable fsync file and directory. Without it the replacement is still atomic for
     *                every process (what matters when the service is SIGKILLed), just not across
     *                a power loss: right for the runtime directory, which a reboot empties anyway.
     */
    public static void write(Path target, byte[] content, String mode, boolean durable) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, TEMP_PREFIX + target.getFileName() + ".",
                "", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (durable) {
                    ch.force(true);
                }
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + temp + " to " + target + " atomically", e);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        if (durable) {
            syncDirectory(dir);
        }
    }

    /** Deletes a file and makes the deletion durable; returns false when it did not exist. */
    public static boolean delete(Path target) throws IOException {
        boolean existed = Files.deleteIfExists(target);
        if (existed) {
            syncDirectory(target.toAbsolutePath().getParent());
        }
        return existed;
    }

    static void syncDirectory(Path dir) throws IOException {
        // Linux lets a directory be opened read-only and fsynced; that commits renames in it.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
