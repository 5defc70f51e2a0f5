package io.mtl4j.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench train} run by two ranks: rank 0 reports the job and each rank. */
class DistributedBenchTest {
    @TempDir
    Path dir;

    @Test
    void rankZeroReportsWorldSizeAndPerRankFigures() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 3);
        Path data = TinyGlue.write(dir.resolve("glue"), 200, 16, 9);
        List<String> args = List.of("bench", "train", "--model", model.toString(), "--data", data.toString(),
                "--task", "sst2", "--steps", "3", "--warmup", "1", "--batch-size", "8", "--seed-steps", "1",
                "--gemm-repeats", "1", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(), "--json");
        int port = DistProcesses.freePort();
        List<Process> ranks = new ArrayList<>();
        // rank 0's stdout apart from its stderr: --json output must be the JSON alone, which Gloo's
        // "[Gloo] Rank 0 is connected to 1 peer ranks" (printed on the native stdout) broke
        ranks.add(DistProcesses.rank(0, 2, port, dir.resolve("rank0.out"), dir.resolve("rank0.log"), "io.mtl4j.cli.Main", args));
        ranks.add(DistProcesses.rank(1, 2, port, dir.resolve("rank1.log"), "io.mtl4j.cli.Main", args));
        for (int r = 0; r < 2; r++) {
            assertTrue(ranks.get(r).waitFor(180, TimeUnit.SECONDS), Files.readString(dir.resolve("rank" + r + ".log")));
            assertEquals(0, ranks.get(r).exitValue(), Files.readString(dir.resolve("rank" + r + ".log")));
        }
        String stdout = Files.readString(dir.resolve("rank0.out"));
        assertTrue(stdout.startsWith("{") && stdout.strip().lines().count() == 1, "stdout is not the JSON alone:\n" + stdout);
        JsonNode json = new ObjectMapper().readTree(stdout);
        assertEquals(2, json.get("world_size").asInt());
        JsonNode perRank = json.get("per_rank");
        assertEquals(2, perRank.size(), json.toString());
        double sum = 0;
        for (int r = 0; r < 2; r++) {
            assertEquals(r, perRank.get(r).get("rank").asInt());
            assertTrue(perRank.get(r).get("samples_per_s").asDouble() > 0, json.toString());
            sum += perRank.get(r).get("samples_per_s").asDouble();
        }
        // The job's rate is the samples of all ranks over the slowest rank's time: at most the sum.
        double job = json.get("samples_per_s").asDouble();
        assertTrue(job > 0 && job <= sum * 1.001, job + " vs " + sum);
        double efficiency = json.get("scaling_efficiency").asDouble();
        assertTrue(efficiency > 0 && efficiency <= 1, json.toString());
        assertTrue(json.get("breakdown").get("communication").asDouble() > 0, json.toString());
        assertTrue(Files.readAllLines(dir.resolve("rank1.log")).stream().noneMatch(l -> l.startsWith("{")),
                "only rank 0 prints the report");
    }
}
