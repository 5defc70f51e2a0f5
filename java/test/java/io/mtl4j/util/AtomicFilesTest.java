package io.mtl4j.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void aFifoOrDeviceIsWrittenThroughNotReplacedByAFile() throws Exception {
        // Renamed over, `encode --output /dev/null` run as root replaced /dev/null with a regular file.
        Path fifo = dir.resolve("out.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        java.util.concurrent.CompletableFuture<String> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        AtomicFiles.write(fifo, out -> out.write("through".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("through", read.get(30, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther(), "still a FIFO");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp file left");
        }
    }
}
