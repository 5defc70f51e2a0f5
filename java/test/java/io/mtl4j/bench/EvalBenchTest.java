package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.cli.CliRunner;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mtl4j bench eval} on a tiny model and a dev split of known token lengths. */
class EvalBenchTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path data;

    /** sst2 validation: 5, 3, 8, 4, 7, 7, 4 tokens ([CLS] and [SEP] included; 38 real). */
    @BeforeAll
    static void writeFixtures() throws IOException {
        model = tmp.resolve("model");
        TinyModels.write(model, 5);
        data = tmp.resolve("data");
        Files.createDirectories(data.resolve("sst2"));
        Files.write(data.resolve("sst2/validation.jsonl"), List.of(
                "{\"sentence\":\"i liked it\",\"label\":1}", "{\"sentence\":\"good\",\"label\":1}",
                "{\"sentence\":\"the film was very very boring\",\"label\":0}", "{\"sentence\":\"very bad\",\"label\":0}",
                "{\"sentence\":\"the movie is very good\",\"label\":1}", "{\"sentence\":\"the film is very bad\",\"label\":0}",
                "{\"sentence\":\"liked it\",\"label\":1}"));
    }

    @Test
    void eachOrderRunsInItsOwnProcessOnTheSameBatchesWithIdenticalOutputs() throws IOException {
        CliRunner r = CliRunner.run("bench", "eval", "--model", model.toString(), "--data", data.toString(),
                "--task", "sst2", "--batch-sizes", "3,7", "--device", "cpu", "--cache-dir", tmp.resolve("cache").toString(),
                "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals("validation", root.get("split").asText());
        JsonNode runs = root.get("runs");
        assertEquals(4, runs.size(), runs.toString());
        // Batch 3, longest first: [8 7 7] [5 4 4] [3]; shortest first the same batches reversed.
        assertRun(runs.get(0), "longest-first", 3, 3, 8, 8 * 3 + 5 * 3 + 3);
        assertRun(runs.get(1), "shortest-first", 3, 3, 3, 8 * 3 + 5 * 3 + 3);
        assertRun(runs.get(2), "longest-first", 7, 1, 8, 8 * 7);
        assertRun(runs.get(3), "shortest-first", 7, 1, 8, 8 * 7);
        for (JsonNode run : runs) {
            assertEquals(7, run.get("examples").asInt());
            assertEquals(38, run.get("real_tokens").asLong());
            assertTrue(run.get("median_seconds").asDouble() > 0 && run.get("peak_rss_mb").asDouble() > 0, run.toString());
            assertTrue(run.get("median_minor_faults").asLong() >= 0, run.toString());
        }

        JsonNode compared = root.get("orders_compared");
        assertEquals(2, compared.size());
        for (int i = 0; i < 2; i++) {
            JsonNode c = compared.get(i);
            assertEquals(i == 0 ? 3 : 7, c.get("batch_size").asInt());
            assertEquals(0.0, c.get("max_abs_output_difference").asDouble(), "same batches, same outputs");
            double expected = runs.get(2 * i + 1).get("median_seconds").asDouble() / runs.get(2 * i).get("median_seconds").asDouble();
            assertEquals(expected, c.get("shortest_first_over_longest_first").asDouble(), 1e-12);
        }
    }

    private static void assertRun(JsonNode run, String order, int batch, int batches, int firstBatchLength, long padded) {
        assertEquals(order, run.get("order").asText(), run.toString());
        assertEquals(batch, run.get("batch_size").asInt(), run.toString());
        assertEquals(batches, run.get("batches").asInt(), run.toString());
        assertEquals(firstBatchLength, run.get("first_batch_length").asInt(), run.toString());
        assertEquals(padded, run.get("padded_tokens").asLong(), run.toString());
    }

    @Test
    void aFailedMeasurementIsOneLineNamingIt() throws Exception {
        Path noSst2 = java.nio.file.Files.createDirectories(tmp.resolve("no-sst2")); // the child finds no split to read
        CliRunner r = CliRunner.run("bench", "eval", "--model", model.toString(), "--data", noSst2.toString(),
                "--task", "sst2", "--batch-sizes", "4", "--orders", "shortest-first", "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("the shortest-first batch 4 measurement failed (exit code 2)"), r.err());
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyProcessStarts() {
        CliRunner split = CliRunner.run("bench", "eval", "--model", model.toString(), "--data", data.toString(),
                "--task", "sst2", "--split", "validation_matched");
        assertEquals(2, split.exitCode());
        assertTrue(split.err().contains("task sst2 has no split validation_matched"), split.err());
        CliRunner batch = CliRunner.run("bench", "eval", "--model", model.toString(), "--data", data.toString(),
                "--batch-sizes", "8,0");
        assertTrue(batch.err().contains("--batch-sizes must all be at least 1, got 0"), batch.err());
        CliRunner order = CliRunner.run("bench", "eval", "--model", model.toString(), "--data", data.toString(),
                "--orders", "random");
        assertTrue(order.err().contains("unknown order 'random'"), order.err());
        CliRunner missing = CliRunner.run("bench", "eval", "--model", model.toString(), "--data", tmp.resolve("missing").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("data directory " + tmp.resolve("missing") + " does not exist"), missing.err());
        assertFalse(missing.err().contains("measurement failed"), missing.err());
    }

    @Test
    void shortestFirstIsTheLongestFirstBatchesReversed() {
        int[] lengths = {5, 3, 8, 4, 7, 6, 4};
        List<int[]> longest = InferenceOrder.LONGEST_FIRST.plan(lengths, 3);
        List<int[]> shortest = InferenceOrder.SHORTEST_FIRST.plan(lengths, 3);
        assertEquals(3, longest.size());
        for (int i = 0; i < longest.size(); i++) {
            assertArrayEquals(longest.get(i), shortest.get(longest.size() - 1 - i));
        }
        assertArrayEquals(new int[]{2, 4, 5}, longest.get(0));
        Set<Integer> seen = new HashSet<>();
        shortest.forEach(b -> { for (int i : b) { assertTrue(seen.add(i)); } });
        assertEquals(lengths.length, seen.size());
    }

    @Test
    void minorFaultsCountFreshPagesTouched() throws IOException {
        long before = ProcessMemory.minorFaults();
        assertTrue(before > 0, "a running JVM has faulted pages in: " + before);
        // A new mapping has no page-table entries, so the first write to each page must fault. Heap or
        // direct buffers would not do: malloc may hand back pages this JVM already touched (after libtorch
        // freed large blocks, glibc serves 4 MB requests from its arena), and CI saw no new faults then.
        int bytes = 64 << 20;
        try (FileChannel channel = FileChannel.open(tmp.resolve("pages"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer pages = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
            for (int offset = 0; offset < bytes; offset += 4096) {
                pages.put(offset, (byte) 1);
            }
        }
        long after = ProcessMemory.minorFaults();
        assertTrue(after >= before + 1000, before + " -> " + after + " after writing 16384 fresh pages");
    }
}
