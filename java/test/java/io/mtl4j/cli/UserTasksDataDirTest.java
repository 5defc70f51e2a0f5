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

    /** The user task 'senti': SST-2's rows under dir/glue, named by path. */
    private Path sentiTaskFile() throws java.io.IOException {
        return Files.writeString(dir.resolve("tasks.yaml"), """
                tasks:
                  - name: senti
                    text_fields: [sentence]
                    labels: [negative, positive]
                    files:
                      train: glue/sst2/train.jsonl
                      validation: glue/sst2/validation.jsonl
                """);
    }

    @Test
    void evalOfUserTasksDoesNotNeedTheDataDirectoryTheRunWasGiven() throws Exception {
        Path glue = TinyGlue.write(dir.resolve("glue"), 32, 8, 3);
        Path tasks = sentiTaskFile();
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

    @Test
    void trainingUserTasksAloneNeedsNoDataDirectoryButAGlueTaskStillDoes() throws Exception {
        TinyGlue.write(dir.resolve("glue"), 32, 8, 3);
        Path tasks = sentiTaskFile();
        Path model = dir.resolve("model");
        io.mtl4j.testing.TinyModels.write(model, 3);
        String[] common = {"train", "--model", model.toString(), "--task-file", tasks.toString(), "--steps", "2",
                "--eval-every", "2", "--batch-size", "16", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString()};
        CliRunner glue = CliRunner.run(concat(common, "--tasks", "senti,sst2", "--output", dir.resolve("mixed").toString()));
        assertEquals(2, glue.exitCode(), glue.err());
        assertTrue(glue.err().contains("missing --data: task sst2 is read from a data directory; give --data"), glue.err());

        CliRunner r = CliRunner.run(concat(common, "--tasks", "senti", "--output", dir.resolve("run").toString()));
        assertEquals(0, r.exitCode(), r.err());
        CliRunner eval = CliRunner.run("eval", "--checkpoint", dir.resolve("run/best").toString(), "--json",
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("\"senti\""), eval.out());
        CliRunner resume = CliRunner.run("train", "--resume", dir.resolve("run").toString(), "--steps", "2");
        assertTrue(!resume.err().contains("Exception"), resume.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
