package io.mtl4j.cli;

import io.mtl4j.testing.LogCapture;
import io.mtl4j.testing.TinyGlue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportCommandTest {
    @TempDir
    Path dir;

    @Test
    void aFailedExportLeavesNoHalfWrittenModelBehind() throws Exception {
        Path data = TinyGlue.write(dir.resolve("glue"), 32, 16, 9);
        Path best = TinyRuns.train(dir, "run", data, "sst2", "--steps", "2", "--eval-every", "2").resolve("best");
        // tokenizer_config.json is derived from tokenizer.json, after the weights and config are written
        Files.writeString(best.resolve("tokenizer.json"), "{ not json");

        Path out = dir.resolve("exports/sst2");
        CliRunner r = CliRunner.run("export", "--checkpoint", best.toString(), "--task", "sst2", "--output", out.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertFalse(Files.exists(out), "a directory transformers would load without its tokenizer_config.json");
        try (Stream<Path> left = Files.list(dir.resolve("exports"))) {
            assertEquals(List.of(), left.toList(), "no temp files left");
        }

        // and an existing empty directory is a fine --output
        Files.writeString(best.resolve("tokenizer.json"), Files.readString(dir.resolve("model/tokenizer.json")));
        Files.createDirectories(out);
        CliRunner ok = CliRunner.run("export", "--checkpoint", best.toString(), "--task", "sst2", "--output", out.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
    }

    /** The warning about a checkpoint without tokenizer.json names the export's directory, not a temp directory since renamed. */
    @Test
    void aMissingTokenizerIsToBeCopiedIntoTheOutputNotTheTempDirectory() throws Exception {
        Path data = TinyGlue.write(dir.resolve("glue"), 32, 16, 9);
        Path best = TinyRuns.train(dir, "run", data, "sst2", "--steps", "2", "--eval-every", "2").resolve("best");
        Files.delete(best.resolve("tokenizer.json"));
        Path out = dir.resolve("exports/sst2");
        StringWriter log = new StringWriter();
        CliRunner r;
        try (AutoCloseable capture = LogCapture.into(log)) {
            r = CliRunner.run("export", "--checkpoint", best.toString(), "--task", "sst2", "--output", out.toString());
        }
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(log.toString().contains(best + " has no tokenizer.json; copy the model's tokenizer into " + out + "\n"),
                log.toString());
    }
}
