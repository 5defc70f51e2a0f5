package io.mtl4j.cli;

import io.mtl4j.testing.TinyGlue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A head's outputs mean the labels its task had when it was trained, whatever the task file says now. */
class EditedTaskFileTest {
    @TempDir
    Path dir;

    private static String taskFile(String labels) {
        return """
                tasks:
                  - name: senti
                    text_fields: [sentence]
                    labels: %s
                    files:
                      train: glue/sst2/train.jsonl
                      validation: glue/sst2/validation.jsonl
                """.formatted(labels);
    }

    /** Trains senti (declared in DIR/tasks.yaml with labels [negative, positive]) and qqp for 4 steps; returns the run. */
    private Path trainSentiAndQqp() throws Exception {
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 16, 3);
        Path tasks = Files.writeString(dir.resolve("tasks.yaml"), taskFile("[negative, positive]"));
        return TinyRuns.train(dir, "run", data, "senti,qqp", "--task-file", tasks.toString(), "--steps", "4",
                "--eval-every", "2");
    }

    @Test
    void reorderedLabelsAreRefusedByEvalPredictExportAndResume() throws Exception {
        Path run = trainSentiAndQqp();
        Path tasks = dir.resolve("tasks.yaml");
        assertEquals(2, TinyRuns.predict(dir, run.resolve("best"), "senti", "a fun film\nboring\n").size());

        Files.writeString(tasks, taskFile("[positive, negative]"));
        String expected = "task senti was trained with labels [negative, positive], but its definition now has labels"
                + " [positive, negative]; the head's outputs mean the labels it was trained with";
        Path input = Files.writeString(dir.resolve("in.tsv"), "a fun film\n");
        for (String[] args : new String[][]{
                {"predict", "--checkpoint", run.resolve("best").toString(), "--task", "senti", "--input", input.toString()},
                {"eval", "--checkpoint", run.resolve("best").toString(), "--tasks", "senti"},
                {"export", "--checkpoint", run.resolve("best").toString(), "--task", "senti", "--output", dir.resolve("x").toString()},
                {"train", "--resume", run.toString(), "--steps", "4"}}) {
            CliRunner r = CliRunner.run(args);
            assertEquals(2, r.exitCode(), args[0] + ": " + r.err());
            assertTrue(r.err().contains(expected), args[0] + ": " + r.err());
        }
    }

    @Test
    void exportTakesATaskFileWhereTheRecordedOneWasEdited() throws Exception {
        Path run = trainSentiAndQqp();
        Path tasks = dir.resolve("tasks.yaml");
        Path kept = Files.writeString(dir.resolve("kept.yaml"), taskFile("[negative, positive]"));
        Files.writeString(tasks, taskFile("[positive, negative]"));

        CliRunner export = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "senti",
                "--task-file", kept.toString(), "--output", dir.resolve("exported").toString());
        assertEquals(0, export.exitCode(), export.err());
        String config = Files.readString(dir.resolve("exported/config.json"));
        assertTrue(config.indexOf("\"negative\"") < config.indexOf("\"positive\""), config);
        CliRunner wrong = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "senti",
                "--task-file", tasks.toString(), "--output", dir.resolve("wrong").toString());
        assertEquals(2, wrong.exitCode(), wrong.err());
        assertTrue(wrong.err().contains("--task-file " + tasks + " declares task senti with labels [positive, negative]"),
                wrong.err());
    }

    @Test
    void aCheckpointWhoseTaskFileIsGonePredictsAndExportsFromWhatItRecorded() throws Exception {
        Path run = trainSentiAndQqp();
        Path tasks = dir.resolve("tasks.yaml");
        Path data = dir.resolve("glue");
        var before = TinyRuns.predict(dir, run.resolve("best"), "senti", "a fun film\nboring\n");
        Files.delete(tasks); // as on another machine, with the checkpoint copied alone

        assertEquals(before, TinyRuns.predict(dir, run.resolve("best"), "senti", "a fun film\nboring\n"));
        CliRunner export = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "senti",
                "--output", dir.resolve("exported").toString());
        assertEquals(0, export.exitCode(), export.err());
        String config = Files.readString(dir.resolve("exported/config.json"));
        assertTrue(config.contains("\"negative\"") && config.contains("\"positive\""), config);
        // Its dev split is found by layout now: DATA/senti/validation.jsonl
        Files.createDirectories(data.resolve("senti"));
        Files.copy(data.resolve("sst2/validation.jsonl"), data.resolve("senti/validation.jsonl"));
        CliRunner eval = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--tasks", "senti",
                "--data", data.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("\"senti\""), eval.out());
    }
}
