package io.mtl4j.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader sees either the old file or the complete new one: write a
 * temp file in the same directory, fsync it, rename it over the target, fsync the directory.
 * A target that is a device or a FIFO is written directly instead.
 */
public final class AtomicFiles {
    public static final String TEMP_SUFFIX = ".mtl4j-tmp";

    private AtomicFiles() {
    }

    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    @FunctionalInterface
    public interface PathWriter {
        void write(Path tmp) throws IOException;
    }

    public static void write(Path target, StreamWriter writer) throws IOException {
        writePath(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
        });
    }

    public static void writePath(Path target, PathWriter writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (Files.isDirectory(target)) {
            throw new UserError(target + " is a directory; give a file path");
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            // A device or FIFO (--output /dev/null, a named pipe) is written through: a rename would
            // replace it with a regular file (/dev/null itself, for root).
            writer.write(target);
            return;
        }
        try {
            Files.createDirectories(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UserError("cannot write " + target + ": " + e.getFile() + " is not a directory");
        }
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), TEMP_SUFFIX);
        try {
            makeWorldReadable(tmp);
            writer.write(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Copies {@code source}'s bytes to {@code target} atomically and durably. The copy is an ordinary
     * 0644 file whatever the source's mode (a read-only tokenizer.json in a shared model directory
     * must not make every checkpoint's copy read-only).
     */
    public static void copy(Path source, Path target) throws IOException {
        write(target, out -> Files.copy(source, out));
    }

    /** How old a temporary file must be to be taken for that of a writer that died: no write takes this long. */
    public static final java.time.Duration LEFTOVER_AGE = java.time.Duration.ofHours(1);

    /**
     * Removes the files of {@code dir} whose names {@code temporary} accepts and that are older than
     * {@link #LEFTOVER_AGE}: temporary files of writers killed before their rename, which would
     * otherwise stay for ever. A fresh one may be a live writer's and is kept. Failures only cost disk space.
     */
    public static void removeLeftovers(Path dir, java.util.function.Predicate<String> temporary) {
        long before = System.currentTimeMillis() - LEFTOVER_AGE.toMillis();
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(dir,
                p -> temporary.test(p.getFileName().toString()))) {
            for (Path p : files) {
                try {
                    if (Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toMillis() < before) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // gone meanwhile, or not ours to remove
                }
            }
        } catch (IOException e) {
            // cannot list: nothing removed
        }
    }

    /** Temp files are created 0600; the files they become are ordinary 0644 files. */
    private static void makeWorldReadable(Path file) {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // Not a POSIX file system: keep the default permissions.
        }
    }

    /** Makes renames in {@code dir} durable, where the file system allows. */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot fsync a directory; the rename itself is still atomic.
        }
    }
}
