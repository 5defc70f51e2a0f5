package io.mtl4j.cli;

import io.mtl4j.testing.TinyGlue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** User tasks read the files their task file names: the run's --data directory is never read for them. */
class UserTasksDataDirTest {
    @TempDir
    Path dir;

    @Test
    void evalOfUserTasksDoesNotNeedTheDataDirectoryTheRunWasGiven() throws Exception {
        Path glue = TinyGlue.write(dir.resolve("glue"), 32, 8, 3);
        Path tasks = Files.writeString(dir.resolve("tasks.yaml"), """
                tasks:
                  - name: senti
                    text_fields: [sentence]
                    labels: [negative, positive]
                    files:
                      train: glue/sst2/train.jsonl
                      validation: glue/sst2/validation.jsonl
                """);
        Path unused = Files.createDirectories(dir.resolve("unused"));
        Path run = TinyRuns.train(dir, "run", unused, "senti", "--task-file", tasks.toString(), "--steps", "2",
                "--eval-every", "2");
        Files.delete(unused); // it was never read: the dev split is glue/sst2/validation.jsonl

        CliRunner eval = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--json",
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("\"senti\""), eval.out());
        assertTrue(Files.isDirectory(glue));
    }
}
