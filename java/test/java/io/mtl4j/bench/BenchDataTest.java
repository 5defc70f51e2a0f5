package io.mtl4j.bench;

import io.mtl4j.cli.CliRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchDataTest {
    @TempDir
    Path dir;

    @Test
    void everyBenchCommandTakesADataRevisionAndRefusesItForADirectory() throws Exception {
        Path model = dir.resolve("model");
        io.mtl4j.testing.TinyModels.write(model, 5);
        for (String command : List.of("data", "train", "eval", "soak", "all")) {
            CliRunner r = CliRunner.run("bench", command, "--model", model.toString(), "--data", dir.toString(),
                    "--data-revision", "v1.0");
            assertEquals(2, r.exitCode(), command + ": " + r.err());
            assertTrue(r.err().contains("--data-revision v1.0 names a revision of nyu-mll/glue on the hub; it applies to"
                    + " --data hub, not to the directory " + dir), command + ": " + r.err());
        }
    }

    @Test
    void theRevisionIsPassedOnToPartsAndToTheTrainingConfig() {
        BenchData pinned = parse("--data", "hub", "--data-revision", "v1.0");
        assertEquals(List.of("--data", "hub", "--data-revision", "v1.0"), pinned.args());
        Map<String, Object> options = new LinkedHashMap<>();
        pinned.putInto(options);
        assertEquals(Map.of("data", "hub", "data-revision", "v1.0"), options);

        BenchData main = parse("--data", "hub");
        assertEquals(List.of("--data", "hub"), main.args());
        Map<String, Object> mainOptions = new LinkedHashMap<>();
        main.putInto(mainOptions);
        assertEquals(Map.of("data", "hub"), mainOptions);
    }

    private static BenchData parse(String... args) {
        BenchData data = new BenchData();
        new CommandLine(data).parseArgs(args);
        return data;
    }
}
