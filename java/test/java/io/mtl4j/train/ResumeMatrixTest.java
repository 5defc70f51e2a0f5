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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
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
 * must agree within 1e-6.
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
        TrainSession.Outcome full = TrainSession.run(config(settings), dir.resolve("full"), null, List.of());
        TrainSession.Outcome stopped = trainStoppingAt(stopAt, settings);
        assertTrue(stopped.result().interrupted(), "the stop hook interrupted the run");
        assertEquals(stopAt, stopped.result().steps());
        TrainSession.Outcome resumed = TrainSession.run(null, null, stopped.runDir(), List.of());

        Trainer.Result a = full.result();
        Trainer.Result b = resumed.result();
        assertEquals(a.steps(), b.steps(), "steps");
        assertEquals(a.taskSteps(), b.taskSteps(), "steps per task");
        assertEquals(a.earlyStopped(), b.earlyStopped(), "early stop");
        assertEquals(a.bestStep(), b.bestStep(), "best step");
        assertRecordsClose(records(full.runDir()), records(resumed.runDir()));
        Path lastA = full.runDir().resolve("last");
        Path lastB = resumed.runDir().resolve("last");
        assertClose(weights(lastA), weights(lastB));
        assertClose(heads(lastA), heads(lastB));
    }

    private TrainConfig config(Map<String, Object> settings) {
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
        o.putAll(settings);
        return ConfigLoader.load(null, o);
    }

    /** Trains into {@code dir/resumed}, stopping (as on SIGTERM) when {@code stopAt} steps are done. */
    private TrainSession.Outcome trainStoppingAt(long stopAt, Map<String, Object> settings) throws Exception {
        System.setProperty("mtl4j.test.stop-at-step", String.valueOf(stopAt));
        try {
            return TrainSession.run(config(settings), dir.resolve("resumed"), null, List.of());
        } finally {
            System.clearProperty("mtl4j.test.stop-at-step");
        }
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
            for (Iterator<String> it = fields.iterator(); it.hasNext(); ) {
                String f = it.next();
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
