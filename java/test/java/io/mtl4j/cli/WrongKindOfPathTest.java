package io.mtl4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A file where a directory belongs, or the reverse, is named as such: it exists, so "not found" would mislead. */
class WrongKindOfPathTest {
    @TempDir
    Path dir;

    private static void assertError(String expected, String... args) {
        CliRunner r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: " + expected, r.err().strip());
    }

    @Test
    void aFileGivenAsCheckpointOrRunDirectory() throws IOException {
        Path file = Files.writeString(dir.resolve("model.safetensors"), "x");
        assertError(file + ": a file, not a checkpoint directory", "eval", "--checkpoint", file.toString());
        assertError(file + ": a file, not a checkpoint directory",
                "export", "--checkpoint", file.toString(), "--task", "sst2", "--output", dir.resolve("out").toString());
        assertError(file + ": a file, not a run directory", "train", "--resume", file.toString());
    }

    @Test
    void aDirectoryGivenAsTaskFile() {
        assertError(dir + ": a directory, not a task file", "data", "stats", "--task", "reviews",
                "--task-file", dir.toString(), "--data", dir.toString(), "--model", dir.toString());
    }
}
