package io.mtl4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "--resume RUN_DIR continues to the same result as an uninterrupted run (same losses within 1e-6
 * on CPU)", for every training feature: each case trains {@link #STEPS} steps uninterrupted, and
 * again stopped (as on SIGTERM) after step k and resumed; every metrics.jsonl record (losses, learning
 * rates, uncertainty weights, dev scores), the final encoder, the heads and the uncertainty weights
 * must agree within 1e-6 (on CPU they are in fact bit-identical: every case also passes with tolerance 0).
 * Skipped non-finite steps, repeated interruptions, two LibTorch threads and fresh processes are checked too.
 */
class ResumeMatrixTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long STEPS = 8;
    private static final double TOLERANCE = 1e-6;

    @TempDir
    static Path fixtures;
    static Path model;
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeFixtures() throws Exception {
        model = fixtures.resolve("model");
        TinyModels.write(model, 17);
        data = TinyGlue.write(fixtures.resolve("glue"), 64, 24, 5);
        // A smaller third task, so that the proportional, temperature and annealed samplers differ from uniform.
        TinyGlue.writeMnli(data, 32, 24, 6);
    }

    static Stream<Arguments> features() {
        return Stream.of(
                // k = where the run is stopped: after that many steps
                feature("pcgrad", 3, Map.of("mtl", "pcgrad")),
                feature("pcgrad mean reduction", 4, Map.of("mtl", "pcgrad", "pcgrad-reduction", "mean")),
                feature("uncertainty weighting", 5, Map.of("loss-weighting", "uncertainty", "loss-weight-lr", 0.05)),
                feature("fixed task weights", 4, Map.of("loss-weighting", "fixed", "task-weights", "sst2=0.5,qqp=2,mnli=1")),
                feature("annealed sampler", 3, Map.of("sampler", "annealed")),
                feature("temperature sampler", 5, Map.of("sampler", "temperature", "temperature", 2.0)),
                feature("proportional sampler", 4, Map.of("sampler", "proportional")),
                feature("uniform sampler", 3, Map.of("sampler", "uniform")),
                feature("grad-accum 3", 4, Map.of("grad-accum", 3)),
                feature("layer-lr-decay and head-lr", 3, Map.of("layer-lr-decay", 0.8, "head-lr", 3e-3)),
                feature("cosine, stopped mid-warmup", 2, Map.of("schedule", "cosine", "warmup-ratio", 0.3)),
                feature("cosine, stopped after warmup", 5, Map.of("schedule", "cosine", "warmup-ratio", 0.3)),
                feature("freeze-layers 1 with dropout", 5, Map.of("freeze-layers", 1, "dropout", true)),
                feature("freeze-embeddings", 3, Map.of("freeze-embeddings", true)),
                feature("dynamic padding", 3, Map.of("padding", "dynamic", "sampler", "uniform")),
                feature("bucketed padding", 5, Map.of("padding", "bucketed", "sampler", "uniform")),
                feature("bucketed padding with max-tokens", 4, Map.of("padding", "bucketed", "max-tokens", 48)),
                feature("eval every 2 + patience, stopped right after an eval", 4,
                        Map.of("eval-every", 2L, "patience", 2, "sampler", "uniform")),
                feature("eval every 2 + patience, stopped between evals", 5,
                        Map.of("eval-every", 2L, "patience", 2, "sampler", "uniform")),
                feature("save-every 3, stopped after a save", 3, Map.of("save-every", 3L)),
                feature("head-input mean", 3, Map.of("head-input", "mean")),
                feature("head-input cls", 5, Map.of("head-input", "cls")),
                feature("proportional sampler with sampler-cap", 4, Map.of("sampler", "proportional", "sampler-cap", 40L)),
                feature("bf16 autocast", 3, Map.of("precision", "bf16")),
                feature("early stop by patience 1, stopped before it", 3,
                        Map.of("eval-every", 2L, "patience", 1, "lr", 1e-9, "head-lr", 1e-9)),
                // batch 16: an epoch of mnli is 2 batches, of sst2 and qqp 4: the runs cross epochs, each reshuffled
                feature("pcgrad across epochs, stopped at an epoch's end", 4, Map.of("mtl", "pcgrad", "batch-size", 16)),
                feature("pcgrad across epochs, stopped mid-epoch", 3, Map.of("mtl", "pcgrad", "batch-size", 16)),
                feature("bucketed padding across epochs", 4, Map.of("batch-size", 16, "padding", "bucketed", "sampler", "proportional")),
                feature("dynamic padding across epochs", 5, Map.of("batch-size", 16, "padding", "dynamic", "grad-accum", 2)),
                feature("stopped one step before the end, with eval", 7, Map.of("eval-every", 4L, "sampler", "annealed")),
                feature("fixed padding", 3, Map.of("padding", "fixed", "max-length", 24, "sampler", "uniform")),
                feature("memory warm-up on", 3, Map.of("memory-warmup", true, "sampler", "uniform")),
                feature("pcgrad + uncertainty + grad-accum 2 + annealed", 3,
                        Map.of("mtl", "pcgrad", "loss-weighting", "uncertainty", "grad-accum", 2, "sampler", "annealed")),
                feature("plain + uncertainty + grad-accum 2 + annealed + eval", 5,
                        Map.of("loss-weighting", "uncertainty", "grad-accum", 2, "sampler", "annealed", "eval-every", 3L)));
    }

    private static Arguments feature(String name, long stopAt, Map<String, Object> settings) {
        return Arguments.of(name, stopAt, settings);
    }

    @ParameterizedTest(name = "{0}, stopped at step {1}")
    @MethodSource("features")
    void resumeEqualsAnUninterruptedRun(String name, long stopAt, Map<String, Object> settings) throws Exception {
        assertResumesExactly(settings, List.of(stopAt));
    }

    @Test
    void aRunInterruptedTwiceEqualsAnUninterruptedRun() throws Exception {
        assertResumesExactly(Map.of("loss-weighting", "uncertainty", "grad-accum", 2, "sampler", "annealed",
                "eval-every", 3L, "schedule", "cosine", "warmup-ratio", 0.3), List.of(2L, 5L));
        assertResumesExactly(Map.of("mtl", "pcgrad", "loss-weighting", "uncertainty", "sampler", "temperature"),
                List.of(1L, 4L, 7L));
    }

    @Test
    void aRunThatSkippedANonFiniteStepResumesExactly() throws Exception {
        // Step 3's loss is NaN and skipped (its data is still consumed): stop right after it, and before it.
        System.setProperty("mtl4j.test.poison-step", "2");
        try {
            for (long stopAt : List.of(2L, 3L, 5L)) {
                assertResumesExactly(Map.of("on-nonfinite", "skip", "sampler", "uniform"), List.of(stopAt));
                assertResumesExactly(Map.of("on-nonfinite", "skip", "mtl", "pcgrad"), List.of(stopAt));
            }
        } finally {
            System.clearProperty("mtl4j.test.poison-step");
        }
    }

    /** The tiny model's tensors are mostly below LibTorch's parallel grain: this checks the setting more than parallel sums. */
    @Test
    void aRunOnTwoThreadsResumesExactly() throws Exception {
        int threads = org.bytedeco.pytorch.global.torch.get_num_threads();
        try {
            assertResumesExactly(Map.of("threads", 2, "mtl", "pcgrad", "batch-size", 8), List.of(3L));
        } finally {
            org.bytedeco.pytorch.global.torch.set_num_threads(threads); // --threads sets it for the whole JVM
        }
    }

    @Test
    void aRunStoppedAndResumedInFreshProcessesEqualsOneUninterruptedInThisOne() throws Exception {
        // As a user resumes: each part in its own JVM, so no state of an earlier run in this JVM (LibTorch's
        // global RNG, caches) can carry over and hide what a checkpoint fails to save.
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("mtl", "pcgrad", "loss-weighting", "uncertainty",
                "grad-accum", 2, "sampler", "annealed", "eval-every", 3L, "padding", "bucketed"));
        TrainSession.Outcome full = TrainSession.run(config(settings), dir.resolve("full"), null, List.of());
        Path runDir = dir.resolve("resumed");
        List<String> cli = new ArrayList<>();
        Map<String, Object> all = new LinkedHashMap<>(baseSettings());
        all.putAll(settings);
        all.forEach((k, v) -> cli.addAll(List.of("--" + k, String.valueOf(v))));
        cli.addAll(List.of("--output", runDir.toString()));
        train(List.of("-Dmtl4j.test.stop-at-step=3"), cli, 130); // 130: stopped as on a signal
        assertEquals(3, Checkpoints.readState(runDir.resolve("last")).step(), "the first process stopped at step 3");
        train(List.of(), List.of("--resume", runDir.toString()), 0);
        assertRecordsClose(records(full.runDir()), records(runDir));
        assertClose(weights(full.runDir().resolve("last")), weights(runDir.resolve("last")));
        assertClose(heads(full.runDir().resolve("last")), heads(runDir.resolve("last")));
    }

    /** Runs {@code mtl4j train ARGS} in a child JVM (as KillAndResumeTest does) and waits for it to exit so. */
    private void train(List<String> jvmOptions, List<String> args, int exitCode) throws Exception {
        String classpath = System.getProperty("mtl4j.classes") + java.io.File.pathSeparator
                + System.getProperty("mtl4j.lib") + java.io.File.separator + "*";
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, "io.mtl4j.cli.Main", "train"));
        command.addAll(args);
        Path log = Files.createTempFile(dir, "train-", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the child run finished");
        assertEquals(exitCode, p.exitValue(), Files.readString(log));
    }

    /** Trains uninterrupted, and stopped after each of {@code stops} steps and resumed; compares the two. */
    private void assertResumesExactly(Map<String, Object> settings, List<Long> stops) throws Exception {
        String id = "-" + (++runs);
        TrainSession.Outcome full = TrainSession.run(config(settings), dir.resolve("full" + id), null, List.of());
        Path runDir = dir.resolve("resumed" + id);
        TrainSession.Outcome resumed = null;
        for (long stopAt : stops) {
            System.setProperty("mtl4j.test.stop-at-step", String.valueOf(stopAt));
            try {
                resumed = resumed == null ? TrainSession.run(config(settings), runDir, null, List.of())
                        : TrainSession.run(null, null, runDir, List.of());
            } finally {
                System.clearProperty("mtl4j.test.stop-at-step");
            }
            assertTrue(resumed.result().interrupted(), "the stop hook interrupted the run at step " + stopAt);
            assertEquals(stopAt, resumed.result().steps());
        }
        resumed = TrainSession.run(null, null, runDir, List.of());

        Trainer.Result a = full.result();
        Trainer.Result b = resumed.result();
        assertEquals(a.steps(), b.steps(), "steps");
        assertEquals(a.taskSteps(), b.taskSteps(), "steps per task");
        assertEquals(a.earlyStopped(), b.earlyStopped(), "early stop");
        assertEquals(a.bestStep(), b.bestStep(), "best step");
        assertEquals(a.skippedSteps(), b.skippedSteps(), "skipped steps");
        assertRecordsClose(records(full.runDir()), records(resumed.runDir()));
        Path lastA = full.runDir().resolve("last");
        Path lastB = resumed.runDir().resolve("last");
        assertClose(weights(lastA), weights(lastB));
        assertClose(heads(lastA), heads(lastB));
    }

    private int runs;

    private TrainConfig config(Map<String, Object> settings) {
        Map<String, Object> o = baseSettings();
        o.putAll(settings);
        return ConfigLoader.load(null, o);
    }

    /** What every case trains with unless it says otherwise. */
    private static Map<String, Object> baseSettings() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.toString());
        o.put("data", data.toString());
        o.put("tasks", "sst2,qqp,mnli");
        o.put("steps", STEPS);
        o.put("batch-size", 4);
        o.put("eval-every", 0L);
        o.put("eval-batch-size", 24);
        o.put("warmup-ratio", 0.0);
        o.put("lr", 1e-3);
        o.put("device", "cpu");
        o.put("cache-dir", fixtures.resolve("cache").toString());
        o.put("sampler", "round-robin");
        o.put("memory-warmup", false);
        return o;
    }

    private static Map<String, Tensor> weights(Path checkpoint) {
        return CheckpointLoader.load(checkpoint, Set.of("heads.", "loss_weights.")).model().parameters();
    }

    private static Map<String, Tensor> heads(Path checkpoint) {
        return CheckpointLoader.load(checkpoint, Set.of("heads.", "loss_weights.")).extras();
    }

    /** Every metrics.jsonl record but its throughput, which is wall-clock time. */
    private static List<JsonNode> records(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
            n.remove("samples_per_s");
            out.add(n);
        }
        return out;
    }

    private static void assertRecordsClose(List<JsonNode> a, List<JsonNode> b) {
        assertEquals(a.size(), b.size(), "metrics.jsonl records: " + a + " against " + b);
        assertTrue(a.stream().anyMatch(n -> n.has("loss")), "records with losses");
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = a.get(i);
            JsonNode y = b.get(i);
            List<String> fields = new ArrayList<>();
            x.fieldNames().forEachRemaining(fields::add);
            List<String> other = new ArrayList<>();
            y.fieldNames().forEachRemaining(other::add);
            assertEquals(fields, other, "fields of record " + i + ": " + x + " against " + y);
            for (String f : fields) {
                if (x.get(f).isNumber()) {
                    assertEquals(x.get(f).asDouble(), y.get(f).asDouble(), TOLERANCE, f + " of record " + i + ": " + x + " against " + y);
                } else {
                    assertEquals(x.get(f), y.get(f), f + " of record " + i);
                }
            }
        }
    }

    private static void assertClose(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(Tensors.toFloatArray(a.get(name)), Tensors.toFloatArray(b.get(name)), (float) TOLERANCE, name);
        }
    }
}
