package io.mtl4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** File helpers for tests. */
public final class TestFiles {
    private TestFiles() {
    }

    /** Copies the directory {@code from}, with everything under it, to {@code to} (which must not exist); returns {@code to}. */
    public static Path copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to.toAbsolutePath().getParent());
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
        return to;
    }
}
