package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.cli.CliRunner;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mtl4j bench data} on a tiny dataset: figures that do not depend on timing are exact. */
class DataBenchTest {
    @TempDir
    Path tmp;
    Path model;
    Path data;

    /** sst2 train: 3, 6, 3, 7, 5 tokens (24 real); mnli train: two pairs of 8 and 9 tokens. */
    @BeforeEach
    void writeFixtures() throws IOException {
        model = Files.createDirectories(tmp.resolve("model"));
        TinyModels.writeTokenizer(model);
        data = tmp.resolve("data");
        Files.createDirectories(data.resolve("sst2"));
        Files.write(data.resolve("sst2/train.jsonl"), List.of(
                "{\"sentence\":\"good\",\"label\":1}", "{\"sentence\":\"the movie is good\",\"label\":1}",
                "{\"sentence\":\"bad\",\"label\":0}", "{\"sentence\":\"the film was very boring\",\"label\":0}",
                "{\"sentence\":\"i liked it\",\"label\":1}"));
        Files.createDirectories(data.resolve("mnli"));
        Files.write(data.resolve("mnli/train.jsonl"), List.of(
                "{\"premise\":\"a man eat\",\"hypothesis\":\"a man\",\"label\":0}",
                "{\"premise\":\"a dog play\",\"hypothesis\":\"a cat sleep\",\"label\":2}"));
    }

    @Test
    void jsonReportsCountsAndExactPaddingEfficiencies() throws IOException {
        CliRunner r = CliRunner.run("bench", "data", "--data", data.toString(), "--model", model.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(Runtime.getRuntime().availableProcessors(), root.get("machine").get("cpus").asInt());
        assertEquals(128, root.get("max_length").asInt());

        JsonNode sst2 = root.get("tokenization").get(0);
        assertEquals("sst2", sst2.get("task").asText());
        assertEquals(5, sst2.get("examples").asInt());
        assertEquals(24, sst2.get("tokens").asInt());
        assertTrue(sst2.get("cold_seconds").asDouble() >= 0 && sst2.get("cold_examples_per_second").asLong() > 0, sst2.toString());
        JsonNode mnli = root.get("tokenization").get(1);
        assertEquals("mnli", mnli.get("task").asText());
        assertEquals(17, mnli.get("tokens").asInt(), "[CLS] a man eat [SEP] a man [SEP] + [CLS] a dog play [SEP] a cat sleep [SEP]");

        // One batch of 5 rows padded to 7: 24 / 35; fixed lengths: 24 / (5 * 128), 24 / (5 * 512).
        JsonNode pad = root.get("padding_efficiency").get(0);
        assertEquals(0.6857, pad.get("bucketed").asDouble(), 1e-9);
        assertEquals(0.6857, pad.get("dynamic").asDouble(), 1e-9);
        assertEquals(0.0375, pad.get("fixed_128").asDouble(), 1e-9);
        assertEquals(0.0094, pad.get("fixed_512").asDouble(), 1e-9);
    }

    @Test
    void tableNamesTheMachineAndEveryTask() {
        CliRunner r = CliRunner.run("bench", "data", "--data", data.toString(), "--model", model.toString(),
                "--tasks", "sst2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, "), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("sst2/train\\s+5\\s.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("sst2/train\\s+32\\s+0\\.6857\\s+0\\.6857\\s+0\\.0375\\s+0\\.0094")), r.out());
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("mnli")), r.out());
    }

    @Test
    void unknownTaskIsAOneLineError() {
        CliRunner r = CliRunner.run("bench", "data", "--data", data.toString(), "--model", model.toString(),
                "--tasks", "sst2,squad");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("mtl4j: error: unknown task 'squad'"), r.err());
    }
}
