package io.mtl4j.cli;

import io.mtl4j.testing.TinyGlue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * eval and predict take --task-file: a checkpoint's user tasks, once the project (task file and data)
 * has moved, read the files the moved task file names, provided it declares them as they were trained.
 */
class InferenceTaskFileTest {
    @TempDir
    Path dir;

    private static String senti(String labels, String validation) {
        return """
                  - name: senti
                    text_fields: [sentence]
                    labels: %s
                    files:
                      train: glue/sst2/train.jsonl
                      validation: %s
                """.formatted(labels, validation);
    }

    private static final String OTHER = """
              - name: other
                text_fields: [sentence]
                regression: true
                files:
                  validation: glue/stsb/validation.jsonl
            """;

    /** Trains senti (from proj/tasks.yaml) and sst2 into dir/run, then moves proj to dir/moved. */
    private Path trainAndMove() throws Exception {
        Path data = TinyGlue.write(dir.resolve("proj/glue"), 64, 16, 3);
        Path tasks = Files.writeString(dir.resolve("proj/tasks.yaml"),
                "tasks:\n" + senti("[negative, positive]", "glue/sst2/validation.jsonl"));
        Path run = TinyRuns.train(dir, "run", data, "senti,sst2", "--task-file", tasks.toString(), "--steps", "4",
                "--eval-every", "2");
        Files.move(dir.resolve("proj"), dir.resolve("moved"));
        return run.resolve("best");
    }

    private CliRunner eval(Path best, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--checkpoint", best.toString(), "--tasks", "senti",
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(), "--json"));
        args.addAll(List.of(extra));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void evalAndPredictReadTheMovedTaskFileAndItsFiles() throws Exception {
        Path best = trainAndMove();
        Path moved = dir.resolve("moved/tasks.yaml");
        // An extra task in the file, not in the checkpoint, is ignored.
        Files.writeString(moved, "tasks:\n" + senti("[negative, positive]", "glue/sst2/validation.jsonl") + OTHER);

        CliRunner without = eval(best);
        assertEquals(2, without.exitCode(), without.err());

        CliRunner with = eval(best, "--task-file", moved.toString());
        assertEquals(0, with.exitCode(), with.err());
        assertTrue(with.out().contains("\"senti\""), with.out());
        assertFalse(with.err().contains("not there now"), with.err());

        // Its split files are the ones read: one with a bad row is an error naming it.
        Path broken = Files.writeString(dir.resolve("moved/glue/broken.jsonl"), "{\"sentence\": \"fine\", \"label\": 7}\n");
        Path other = Files.writeString(dir.resolve("moved/other.yaml"), "tasks:\n" + senti("[negative, positive]", "glue/broken.jsonl"));
        CliRunner bad = eval(best, "--task-file", other.toString());
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains(broken.toString()), bad.err());

        Path input = Files.writeString(dir.resolve("in.tsv"), "a fun film\nboring\n");
        CliRunner predict = CliRunner.run("predict", "--checkpoint", best.toString(), "--task", "senti", "--input",
                input.toString(), "--device", "cpu", "--task-file", moved.toString());
        assertEquals(0, predict.exitCode(), predict.err());
        assertEquals(2, predict.out().lines().count(), predict.out());
        assertFalse(predict.err().contains("not there now"), predict.err());
    }

    @Test
    void aTaskFileThatDeclaresTheTaskOtherwiseIsAOneLineErrorNamingTaskFileAndDifference() throws Exception {
        Path best = trainAndMove();
        Path reordered = Files.writeString(dir.resolve("moved/reordered.yaml"),
                "tasks:\n" + senti("[positive, negative]", "glue/sst2/validation.jsonl"));
        Path regression = Files.writeString(dir.resolve("moved/regression.yaml"), """
                tasks:
                  - name: senti
                    text_fields: [sentence]
                    regression: true
                    files:
                      validation: glue/stsb/validation.jsonl
                """);
        Path input = Files.writeString(dir.resolve("in.tsv"), "a fun film\n");
        for (Path file : List.of(reordered, regression)) {
            String differs = file == reordered ? "labels [positive, negative]" : "a regression score";
            for (CliRunner r : List.of(eval(best, "--task-file", file.toString()),
                    CliRunner.run("predict", "--checkpoint", best.toString(), "--task", "senti", "--input", input.toString(),
                            "--device", "cpu", "--task-file", file.toString()))) {
                assertEquals(2, r.exitCode(), r.err());
                String line = r.err().strip();
                assertEquals(1, line.lines().count(), line);
                assertTrue(line.contains("senti") && line.contains(file.toString()) && line.contains(differs)
                        && line.contains("labels [negative, positive]"), line);
            }
        }
    }

    @Test
    void predictRefusesACsvInputNamingItAndTheFormatsItReads() throws Exception {
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 16, 3);
        Path best = TinyRuns.train(dir, "run", data, "qqp", "--steps", "2", "--eval-every", "2").resolve("best");
        Path csv = Files.writeString(dir.resolve("pairs.csv"), "question1,question2\n\"a cat\",\"a dog\"\n");
        CliRunner r = CliRunner.run("predict", "--checkpoint", best.toString(), "--task", "qqp", "--input", csv.toString(),
                "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains(csv.toString()) && line.contains("CSV") && line.contains(".jsonl")
                && line.contains("text_a<TAB>text_b"), line);
        assertFalse(line.contains("takes a sentence pair"), line);
    }
}
