package io.mtl4j.fuzz;

import io.mtl4j.util.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Helpers shared by the fuzz targets: one scratch directory per JVM (fuzzing mode runs millions
 * of inputs, so files are overwritten, not created anew), and the one acceptable failure.
 */
final class FuzzFiles {
    private static final Path ROOT;

    static {
        try {
            ROOT = Files.createTempDirectory("mtl4j-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ROOT.toFile().deleteOnExit();
    }

    private FuzzFiles() {
    }

    /** A fresh (emptied) scratch directory named {@code name}. */
    static Path dir(String name) {
        Path dir = ROOT.resolve(name);
        try {
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        Files.delete(p);
                    }
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to {@code dir/name} and returns the path. */
    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The contract of every parser of outside bytes: a bad input is a {@link UserError} whose
     * message names the file. Any other exception escapes and fails the fuzz test.
     */
    static void checkUserError(UserError e, Path file) {
        String message = e.getMessage();
        assertTrue(message != null && message.contains(file.getFileName().toString()),
                "UserError does not name the file " + file + ": " + message);
    }
}
