package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.cli.CliRunner;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.train.BenchTrainer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainBenchTest {
    private static final List<String> KEYS = List.of("samples_per_s", "tokens_per_s", "padded_tokens_per_s",
            "model_tflops", "peak_tflops", "mfu", "padding_efficiency", "breakdown", "host_overhead_fraction",
            "peak_rss_mb", "peak_gpu_mb", "world_size", "seed_recipe", "speedup_vs_seed_recipe", "machine");
    private static final List<String> PHASES = List.of("data", "forward", "backward", "pcgrad", "optimizer", "communication", "other");

    @TempDir
    Path dir;
    Path model;
    Path data;

    @BeforeEach
    void setUp() throws Exception {
        model = dir.resolve("model");
        TinyModels.write(model, 3);
        data = TinyGlue.write(dir.resolve("glue"), 200, 16, 9);
    }

    @Test
    void jsonHasEveryKeyAndTheBreakdownSumsToOne() throws Exception {
        CliRunner r = CliRunner.run("bench", "train", "--model", model.toString(), "--data", data.toString(),
                "--task", "sst2", "--steps", "3", "--warmup", "1", "--batch-size", "8", "--seed-steps", "1",
                "--seed-warmup", "0", "--gemm-repeats", "1", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(),
                "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out().strip());
        for (String key : KEYS) {
            assertTrue(json.has(key), "missing " + key + " in " + json);
        }
        JsonNode breakdown = json.get("breakdown");
        double sum = 0;
        for (String phase : PHASES) {
            assertTrue(breakdown.has(phase), "breakdown lacks " + phase + ": " + breakdown);
            double f = breakdown.get(phase).asDouble();
            assertTrue(f >= 0 && f <= 1, phase + " " + f);
            sum += f;
        }
        assertEquals(PHASES.size(), breakdown.size(), breakdown.toString());
        assertEquals(1.0, sum, 1e-3, breakdown.toString());
        assertEquals(0.0, breakdown.get("pcgrad").asDouble(), "no PCGrad in plain mode");
        assertTrue(json.get("peak_gpu_mb").isNull());
        assertEquals(1, json.get("world_size").asInt());
        assertTrue(json.get("seed_recipe").has("samples_per_s") && json.get("seed_recipe").has("padding_efficiency"));
        double ours = json.get("padding_efficiency").asDouble();
        double seed = json.get("seed_recipe").get("padding_efficiency").asDouble();
        assertTrue(ours > 0 && ours <= 1, "ours " + ours);
        assertTrue(seed < ours, "fixed 64-token padding must waste more than bucketing: " + seed + " vs " + ours);
        assertTrue(json.get("peak_rss_mb").asDouble() > 0);
        assertTrue(json.get("machine").get("cpus").asInt() >= 1);
        double mfu = json.get("model_tflops").asDouble() / json.get("peak_tflops").asDouble();
        assertEquals(mfu, json.get("mfu").asDouble(), 0.01 + 0.01 * mfu);
    }

    @Test
    void aStepTimerDoesNotChangeWhatIsTrained() throws Exception {
        float[] without = trainAndSnapshot(null);
        float[] with = trainAndSnapshot(new PhaseClock(TinyModels.tinyConfig()));
        assertArrayEquals(without, with);
    }

    @Test
    void trainOneStepFreesTheNativeObjectsOfItsStep() throws Exception {
        for (String mtl : List.of("plain", "pcgrad")) {
            TrainConfig config = tinyConfig("sst2,qqp", mtl, 10);
            try (BenchTrainer bench = BenchTrainer.create(config, Files.createTempDirectory(dir, "run"))) {
                bench.trainer().trainOneStep(); // memory warm-up and lazily created state
                long before = org.bytedeco.javacpp.Pointer.totalCount();
                for (int i = 0; i < 4; i++) {
                    bench.trainer().trainOneStep();
                }
                long grown = org.bytedeco.javacpp.Pointer.totalCount() - before;
                // <= 0: the garbage collector may free older objects meanwhile, never a step's own
                assertTrue(grown <= 0, mtl + ": " + grown + " native objects left alive by 4 steps (one PointerScope per step)");
            }
        }
    }

    @Test
    void theMemoryWarmUpRunsBeforeTheTimedSteps() throws Exception {
        // The trainer warms its memory up (a forward and backward of every batch shape) in its first
        // trainOneStep. With no warm-up steps (the seed recipe's default) that first step was a timed
        // one, so the seed recipe timed 5 passes of 8 x 512 tokens for a step of 4.
        TrainConfig config = tinyConfig("sst2", "plain", 2);
        try (BenchTrainer bench = BenchTrainer.create(config, Files.createTempDirectory(dir, "run"))) {
            java.io.StringWriter untimed = new java.io.StringWriter();
            try (AutoCloseable capture = io.mtl4j.testing.LogCapture.into(untimed)) {
                TrainBench.timeSteps(bench, new PhaseClock(TinyModels.tinyConfig()), 0); // --warmup 0
            }
            assertTrue(untimed.toString().contains("memory warm-up: "), "warmed up before any timed step: " + untimed);
            java.io.StringWriter timed = new java.io.StringWriter();
            try (AutoCloseable capture = io.mtl4j.testing.LogCapture.into(timed)) {
                TrainBench.timeSteps(bench, new PhaseClock(TinyModels.tinyConfig()), 1);
            }
            assertTrue(!timed.toString().contains("memory warm-up"), "not in a timed step: " + timed);
        }
    }

    /** A config of the tiny model and data: batch 8, no evaluation, on the CPU. */
    private TrainConfig tinyConfig(String tasks, String mtl, long steps) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.toString());
        o.put("data", data.toString());
        o.put("tasks", tasks);
        o.put("mtl", mtl);
        o.put("steps", steps);
        o.put("batch-size", 8);
        o.put("eval-every", 0L);
        o.put("device", "cpu");
        o.put("cache-dir", dir.resolve("cache").toString());
        return ConfigLoader.load(null, o);
    }

    private float[] trainAndSnapshot(PhaseClock clock) throws Exception {
        TrainConfig config = tinyConfig("sst2,qqp", "plain", 3);
        Path scratch = Files.createTempDirectory(dir, "run");
        try (BenchTrainer bench = BenchTrainer.create(config, scratch)) {
            if (clock != null) {
                bench.trainer().setStepTimer(clock);
            }
            for (int i = 0; i < 3; i++) {
                bench.trainer().trainOneStep();
            }
            if (clock != null) {
                assertTrue(clock.batches() == 3 && clock.rows() > 0, "the timer saw the batches");
            }
            Tensor values = bench.trainer().model().shared().values();
            return Tensors.toFloatArray(values);
        }
    }

    /** The trainer's log says "--memory-warmup false skips it": bench train takes that flag too. */
    @Test
    void memoryWarmupFalseIsAccepted() throws Exception {
        CliRunner r = CliRunner.run("bench", "train", "--model", model.toString(), "--data", data.toString(),
                "--task", "sst2", "--steps", "1", "--warmup", "0", "--batch-size", "8", "--seed-steps", "0",
                "--gemm-repeats", "1", "--device", "cpu", "--memory-warmup", "false",
                "--cache-dir", dir.resolve("cache").toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(new ObjectMapper().readTree(r.out().strip()).has("samples_per_s"), r.out());
    }
}
