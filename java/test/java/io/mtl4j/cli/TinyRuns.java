package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.mtl4j.testing.TinyModels;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small training runs made through the CLI, for the tests of what reads runs: eval, predict, export. */
final class TinyRuns {
    private TinyRuns() {
    }

    /**
     * Trains {@code tasks} on {@code data} into {@code dir/<name>} with the tiny model in
     * {@code dir/model} (written on first use): batch 16, lr 1e-3 on CPU, plus {@code extra} flags.
     */
    static Path train(Path dir, String name, Path data, String tasks, String... extra) throws Exception {
        Path model = dir.resolve("model");
        if (!Files.exists(model)) {
            TinyModels.write(model, 3);
        }
        Path run = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(),
                "--tasks", tasks, "--batch-size", "16", "--lr", "1e-3", "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString(), "--output", run.toString()));
        args.addAll(List.of(extra));
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return run;
    }

    /** Runs 'mtl4j predict' on {@code input} (TSV lines, saved to a file in {@code dir}); returns its output lines. */
    static List<String> predict(Path dir, Path checkpoint, String task, String input) throws Exception {
        Path file = Files.createTempFile(dir, "predict-", ".tsv");
        Files.writeString(file, input);
        CliRunner r = CliRunner.run("predict", "--checkpoint", checkpoint.toString(), "--task", task,
                "--input", file.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        return r.out().lines().toList();
    }

    /** A JSON object's keys, in order. */
    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
