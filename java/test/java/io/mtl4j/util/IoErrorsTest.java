package io.mtl4j.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IoErrorsTest {
    @TempDir
    Path dir;

    @Test
    void namesTheReasonNotThePathAgain() throws Exception {
        IOException missing = assertThrows(IOException.class, () -> Files.newInputStream(dir.resolve("nope")));
        assertEquals("no such file or directory", IoErrors.reason(missing));
        Path file = Files.writeString(dir.resolve("f"), "x");
        IOException underAFile = assertThrows(IOException.class, () -> Files.createDirectories(file.resolve("sub")));
        assertEquals("Not a directory", IoErrors.reason(underAFile), "the reason of a FileSystemException");
        assertEquals("disk on fire", IoErrors.reason(new IOException("disk on fire")));
    }
}
