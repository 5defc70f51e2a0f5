package io.mtl4j.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File helpers the JDK lacks. */
public final class Files2 {
    private Files2() {
    }

    /**
     * Refuses, as the user's mistake, a directory to create under a file ({@code --output notes.txt/out}):
     * the first existing ancestor of {@code dir} must be a directory. Checked before any work, so
     * that the error is one line, not an internal error after the work is done.
     */
    public static void requireCreatableDirectory(Path dir) {
        for (Path p = dir.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new UserError("cannot write " + dir + ": " + p + " is not a directory");
                }
                return;
            }
        }
    }

    /** Deletes a directory tree; a missing one is fine. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * For a relative path that was not found, where it was looked for: a config file's relative
     * paths are read from the working directory, not from the file's own directory.
     */
    public static String whereRelative(String path) {
        try {
            Path p = Path.of(path);
            return p.isAbsolute() ? "" : " (relative to the working directory " + Path.of("").toAbsolutePath() + ")";
        } catch (java.nio.file.InvalidPathException e) {
            return "";
        }
    }
}
