package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.cli.CliRunner;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchAllTest {
    @TempDir
    Path dir;

    @Test
    void writesBenchJsonAndMarkdownWithEveryPartAndTheMachine() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 5);
        Path data = TinyGlue.write(dir.resolve("glue"), 120, 16, 2);
        Path out = dir.resolve("out");
        CliRunner r = CliRunner.run("bench", "all", "--model", model.toString(), "--data", data.toString(),
                "--output", out.toString(), "--batch-size", "8", "--pcgrad-params", "20000",
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
        assertTrue(json.get("machine").get("cpus").asInt() >= 1, json.toString());
        for (String part : new String[]{"data", "pcgrad", "train", "eval"}) {
            assertEquals(0, json.get(part).get("exit_code").asInt(), part + ": " + json.get(part));
            assertTrue(json.get(part).has("result"), part);
        }
        assertEquals(20000, json.at("/pcgrad/result/params").asLong());
        assertTrue(json.at("/train/result/speedup_vs_seed_recipe").isNumber());
        assertEquals(16, json.at("/eval/result/runs/0/examples").asInt(), "sst2 validation of TinyGlue");
        assertEquals(8, json.at("/eval/result/runs/1/batch_size").asInt());
        String md = Files.readString(out.resolve("bench.md"));
        assertTrue(md.contains("## bench train") && md.contains("| mfu |") && md.contains("Machine: ")
                && md.contains("## bench eval") && md.contains("| orders_compared[0].shortest_first_over_longest_first |"), md);
    }

    @Test
    void anUnknownTaskOrMissingDataIsAUsageErrorBeforeAnyPartRuns() {
        Path out = dir.resolve("out");
        CliRunner r = CliRunner.run("bench", "all", "--model", dir.toString(), "--data", dir.toString(), "--task", "sst3",
                "--output", out.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: unknown task 'sst3'"), r.err());
        r = CliRunner.run("bench", "all", "--model", dir.toString(), "--data", dir.resolve("absent").toString(), "--output", out.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: data directory " + dir.resolve("absent") + " does not exist"), r.err());
        assertTrue(!Files.exists(out), "nothing written");
    }

    /** bench all passes --memory-warmup on to bench train, whose log names that flag. */
    @Test
    void takesMemoryWarmupForItsTrainPart() {
        CliRunner r = CliRunner.run("bench", "all", "--model", dir.toString(), "--data", dir.toString(), "--task", "sst3",
                "--memory-warmup", "false", "--output", dir.resolve("out").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: unknown task 'sst3'"), r.err());
    }
}
