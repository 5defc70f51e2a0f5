package io.mtl4j.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aCopyOfAReadOnlyFileIsAnOrdinaryFileWithTheSameBytes() throws Exception {
        Path source = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {}}");
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("r--r--r--"));
        Path target = dir.resolve("checkpoint/tokenizer.json");
        AtomicFiles.copy(source, target);
        assertEquals("{\"model\": {}}", Files.readString(target));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        try (var files = Files.list(target.getParent())) {
            assertEquals(1, files.count(), "no temp file left");
        }
    }

    @Test
    void aTargetThatIsADirectoryOrUnderAFileIsAUserErrorAndTouchesNothing() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("out"));
        UserError e = assertThrows(UserError.class, () -> AtomicFiles.write(folder, out -> out.write(1)));
        assertEquals(folder + " is a directory; give a file path", e.getMessage());
        Path file = Files.writeString(dir.resolve("file"), "x");
        e = assertThrows(UserError.class, () -> AtomicFiles.write(file.resolve("a.json"), out -> out.write(1)));
        assertEquals("cannot write " + file.resolve("a.json") + ": " + file + " is not a directory", e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "nothing written");
        }
        assertEquals("x", Files.readString(file));
    }
}
