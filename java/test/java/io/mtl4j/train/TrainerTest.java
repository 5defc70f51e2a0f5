package io.mtl4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TestFiles;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path model;
    Path data;

    @BeforeEach
    void setUp() throws Exception {
        model = dir.resolve("model");
        TinyModels.write(model, 17);
        data = TinyGlue.write(dir.resolve("glue"), 96, 32, 5);
    }

    private TrainConfig config(Map<String, Object> extra) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.toString());
        o.put("data", data.toString());
        o.put("tasks", "sst2,qqp");
        o.put("steps", 6L);
        o.put("batch-size", 8);
        o.put("eval-every", 0L);
        o.put("warmup-ratio", 0.0);
        o.put("lr", 1e-3);
        o.put("device", "cpu");
        o.put("cache-dir", dir.resolve("cache").toString());
        o.put("sampler", "round-robin");
        o.putAll(extra);
        return ConfigLoader.load(null, o);
    }

    private TrainSession.Outcome train(String name, Map<String, Object> extra) throws Exception {
        return TrainSession.run(config(extra), dir.resolve(name), null, List.of());
    }

    private static Map<String, Tensor> weights(Path checkpoint) {
        return CheckpointLoader.load(checkpoint, Set.of("heads.", "loss_weights.")).model().parameters();
    }

    private static Map<String, Tensor> heads(Path checkpoint) {
        return CheckpointLoader.load(checkpoint, Set.of("heads.", "loss_weights.")).extras();
    }

    private List<Double> losses(Path run) throws Exception {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) {
                out.add(n.get("loss").asDouble());
            }
        }
        return out;
    }

    private static void assertClose(Map<String, Tensor> a, Map<String, Tensor> b, float tolerance) {
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(Tensors.toFloatArray(a.get(name)), Tensors.toFloatArray(b.get(name)), tolerance, name);
        }
    }

    @Test
    void aFinishedRunFreesItsNativeObjects() throws Exception {
        // compare trains many runs in one JVM: each run's model and optimizer state must go when it ends,
        // not when the garbage collector gets to them (on a GPU, the next run would run out of memory first).
        train("warm-up", Map.of("eval-every", 3L)); // lazily created state of the first run in this JVM
        long before = org.bytedeco.javacpp.Pointer.totalCount();
        train("measured", Map.of("eval-every", 3L, "mtl", "pcgrad"));
        long grown = org.bytedeco.javacpp.Pointer.totalCount() - before;
        // <= 0: the garbage collector may free older objects meanwhile, never the run's own
        assertTrue(grown <= 0, grown + " native objects left alive by a finished run");
    }

    @Test
    void gradientAccumulationEqualsOneLargeBatch() throws Exception {
        Map<String, Object> common = Map.of("dropout", false, "padding", "dynamic");
        Map<String, Object> big = new LinkedHashMap<>(common);
        big.put("batch-size", 8);
        Map<String, Object> accumulated = new LinkedHashMap<>(common);
        accumulated.put("batch-size", 2);
        accumulated.put("grad-accum", 4);
        Path a = train("big", big).runDir();
        Path b = train("accum", accumulated).runDir();
        List<Double> la = losses(a);
        List<Double> lb = losses(b);
        for (int i = 0; i < la.size(); i++) {
            assertEquals(la.get(i), lb.get(i), 1e-5, "loss of step " + (i + 1));
        }
        assertClose(weights(a.resolve("last")), weights(b.resolve("last")), 1e-5f);
        assertClose(heads(a.resolve("last")), heads(b.resolve("last")), 1e-5f);
    }

    @Test
    void theMemoryWarmUpLeavesTrainingBitIdentical() throws Exception {
        // with dropout, so that a warm-up that consumed the dropout RNG would show
        Path warm = train("warm", Map.of()).runDir();
        Path cold = train("cold", Map.of("memory-warmup", false)).runDir();
        assertEquals(losses(cold), losses(warm));
        assertClose(weights(cold.resolve("last")), weights(warm.resolve("last")), 0f);
        assertClose(heads(cold.resolve("last")), heads(warm.resolve("last")), 0f);
    }

    @Test
    void frozenWeightsStayBitIdentical() throws Exception {
        Path run = train("frozen", Map.of("freeze-layers", 1)).runDir();
        Map<String, Tensor> before = weights(model);
        Map<String, Tensor> after = weights(run.resolve("last"));
        for (String name : before.keySet()) {
            boolean frozen = name.startsWith("embeddings.") || name.startsWith("encoder.layer.0.");
            float[] b = Tensors.toFloatArray(before.get(name));
            float[] c = Tensors.toFloatArray(after.get(name));
            if (frozen) {
                assertArrayEquals(b, c, 0f, name + " is frozen");
            } else {
                assertFalse(java.util.Arrays.equals(b, c), name + " should have been trained");
            }
        }
    }

    @Test
    void aFullyFrozenEncoderUnderClsHeadsTrainsTheHeadsAlone() throws Exception {
        // freeze-layers = all layers, and heads on [CLS] leave the pooler unused: no encoder parameter trains.
        Map<String, Tensor> before = weights(model);
        for (String mtl : List.of("plain", "pcgrad")) {
            Path run = train("probe-" + mtl, Map.of("freeze-layers", 2, "head-input", "cls", "mtl", mtl)).runDir();
            assertClose(before, weights(run.resolve("last")), 0f);
        }
    }

    @Test
    void uncertaintyWeightsAreTrained() throws Exception {
        Path run = train("uncertainty", Map.of("loss-weighting", "uncertainty")).runDir();
        Map<String, Tensor> heads = heads(run.resolve("last"));
        for (String task : List.of("sst2", "qqp")) {
            float logVar = Tensors.toFloatArray(heads.get("loss_weights." + task + ".log_var"))[0];
            assertNotEquals(0f, logVar, "log variance of " + task + " moved from its initial 0");
        }
    }

    @Test
    void uncertaintyWeightsMoveAtTheirOwnLearningRate() throws Exception {
        // Adam moves a parameter by at most about its LR per step: 6 steps at the heads' 1e-3 keep
        // log σ² within 0.006 of 0, so a larger move shows --loss-weight-lr took effect.
        Path run = train("uncertainty-lr", Map.of("loss-weighting", "uncertainty", "loss-weight-lr", 0.1)).runDir();
        Map<String, Tensor> heads = heads(run.resolve("last"));
        for (String task : List.of("sst2", "qqp")) {
            float logVar = Tensors.toFloatArray(heads.get("loss_weights." + task + ".log_var"))[0];
            assertTrue(Math.abs(logVar) > 6 * 1e-3 && Math.abs(logVar) <= 6 * 0.1 * 1.01,
                    "log variance of " + task + " moved " + logVar + " at lr 0.1 over 6 steps");
        }
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) {
                assertTrue(n.has("loss_weight"), "training record without its loss weight: " + line);
                records.add(n);
            }
        }
        JsonNode last = records.get(records.size() - 1);
        float finalLogVar = Tensors.toFloatArray(heads.get("loss_weights." + last.get("task").asText() + ".log_var"))[0];
        assertEquals(Math.exp(-finalLogVar), last.get("loss_weight").asDouble(), 1e-6,
                "the last step's record holds exp(-log σ²) after its update");
    }

    @Test
    void aRunWithThreadsZeroGetsLibTorchsDefaultAfterARunThatSetAnother() throws Exception {
        int libTorchDefault = io.mtl4j.runtime.Threads.libTorchDefault();
        int other = libTorchDefault == 1 ? 2 : 1;
        try {
            train("set", Map.of("threads", other, "steps", 1L));
            assertEquals(other, org.bytedeco.pytorch.global.torch.get_num_threads());
            train("default", Map.of("threads", 0, "steps", 1L)); // set_num_threads is process-wide
            assertEquals(libTorchDefault, org.bytedeco.pytorch.global.torch.get_num_threads());
        } finally {
            org.bytedeco.pytorch.global.torch.set_num_threads(libTorchDefault);
        }
    }

    @Test
    void resumeEqualsAnUninterruptedRun() throws Exception {
        Path full = train("full", Map.of()).runDir();
        TrainSession.Outcome stopped = trainStoppingAt(3, "resumed", Map.of());
        assertTrue(stopped.result().interrupted());
        assertEquals(3, stopped.result().steps());
        TrainSession.Outcome resumed = TrainSession.run(null, null, stopped.runDir(), List.of());
        assertEquals(6, resumed.result().steps());
        List<Double> a = losses(full);
        List<Double> b = losses(resumed.runDir());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), b.get(i), 1e-6, "loss of step " + (i + 1));
        }
        assertClose(weights(full.resolve("last")), weights(resumed.runDir().resolve("last")), 1e-6f);
    }

    @Test
    void aFullyFrozenEncoderResumes() throws Exception {
        Map<String, Object> probe = Map.of("freeze-layers", 2, "head-input", "cls");
        Path full = train("full", probe).runDir();
        TrainSession.Outcome stopped = trainStoppingAt(3, "resumed", probe);
        TrainSession.Outcome resumed = TrainSession.run(null, null, stopped.runDir(), List.of());
        assertEquals(6, resumed.result().steps());
        assertClose(heads(full.resolve("last")), heads(resumed.runDir().resolve("last")), 1e-6f);
    }

    /** The optimizer metadata of a checkpoint: step counts of the encoder and of each head. */
    private static Map<String, String> optimizerSteps(Path checkpoint) {
        try (io.mtl4j.model.safetensors.SafeTensorsFile f =
                     io.mtl4j.model.safetensors.SafeTensorsFile.open(checkpoint.resolve(Checkpoints.OPTIMIZER))) {
            Map<String, String> steps = new LinkedHashMap<>(f.metadata());
            steps.remove("format");
            return steps;
        }
    }

    @Test
    void eachHeadCountsOnlyTheStepsThatTrainedItsTask() throws Exception {
        // Round-robin over sst2, qqp: sst2 trains at steps 1, 3, 5; qqp at 2, 4, 6.
        Path run = trainStoppingAt(3, "counts", Map.of()).runDir();
        assertEquals(Map.of("shared.step", "3", "heads.step.sst2", "2", "heads.step.qqp", "1"),
                optimizerSteps(run.resolve("last")));
    }

    @Test
    void resumesCheckpointsWhoseHeadsSharedOneOptimizer() throws Exception {
        Path run = trainStoppingAt(3, "old-optimizer", Map.of()).runDir();
        // Before the heads had one optimizer per task, every head took every step: one count, "heads.step".
        Path file = run.resolve("last").resolve(Checkpoints.OPTIMIZER);
        Map<String, Tensor> moments = new LinkedHashMap<>();
        try (io.mtl4j.model.safetensors.SafeTensorsFile f = io.mtl4j.model.safetensors.SafeTensorsFile.open(file)) {
            f.tensors().forEach((name, info) -> moments.put(name, io.mtl4j.model.TensorBridge.read(f, info)));
        }
        io.mtl4j.model.CheckpointWriter.writeSafetensors(moments, file, Map.of("shared.step", "3", "heads.step", "3"));

        Path resumed = TrainSession.run(null, null, run, List.of()).runDir();
        // Each head continues from the old count: sst2 trains once more (step 5), qqp twice (4 and 6).
        assertEquals(Map.of("shared.step", "6", "heads.step.sst2", "4", "heads.step.qqp", "5"),
                optimizerSteps(resumed.resolve("last")));
    }

    /** A run of 6 steps that evaluates every 2. */
    private static final Map<String, Object> EVAL_EVERY_2 = Map.of("eval-every", 2L);

    /** Trains as {@link #train}, stopping (as on SIGTERM) when {@code stopAt} steps are done. */
    private TrainSession.Outcome trainStoppingAt(long stopAt, String name, Map<String, Object> extra) throws Exception {
        System.setProperty("mtl4j.test.stop-at-step", String.valueOf(stopAt));
        try {
            return train(name, extra);
        } finally {
            System.clearProperty("mtl4j.test.stop-at-step");
        }
    }

    /** Stops an {@link #EVAL_EVERY_2} run after step 2, its first evaluation; returns the run directory. */
    private Path stoppedAfterStep2(String name) throws Exception {
        return trainStoppingAt(2, name, EVAL_EVERY_2).runDir();
    }

    private static long stepOf(Path checkpoint) {
        return Checkpoints.readState(checkpoint).step();
    }

    @Test
    void aStopRightAfterACheckpointKeepsItAsLastInsteadOfWritingItAgain() throws Exception {
        Path run = stoppedAfterStep2("stopped-after-save"); // step 2 evaluated and saved, then SIGTERM
        assertEquals(2, stepOf(run.resolve("last")));
        for (String file : List.of("model.safetensors", Checkpoints.OPTIMIZER, Checkpoints.STATE)) {
            assertTrue(Files.isSameFile(run.resolve("step-2").resolve(file), run.resolve("last").resolve(file)),
                    "last still links step-2's " + file + ": the stop wrote no second copy");
        }
        Path notSaved = trainStoppingAt(3, "stopped-between-saves", EVAL_EVERY_2).runDir();
        assertEquals(3, stepOf(notSaved.resolve("last")), "a stop between checkpoints still saves last");
    }

    @Test
    void aCheckpointBetweenEvaluationsRecordsNoDevMetricsOfItsOwn() throws Exception {
        Path run = trainStoppingAt(3, "metrics-of-step-3", EVAL_EVERY_2).runDir();
        assertFalse(Checkpoints.readState(run.resolve("step-2")).metrics().isEmpty(), "step 2 was evaluated");
        TrainerState unevaluated = Checkpoints.readState(run.resolve("last"));
        assertEquals(3, unevaluated.step());
        assertEquals(Map.of(), unevaluated.metrics(), "step 3 was not evaluated: step 2's scores are not its own");
        TrainSession.run(null, null, run, List.of());
        assertFalse(Checkpoints.readState(run.resolve("step-4")).metrics().isEmpty(), "the resumed run evaluates step 4");
    }

    @Test
    void aRunThatDiedBeforeLinkingItsBestLinksItOnResume() throws Exception {
        TrainSession.Outcome uninterrupted = train("full", EVAL_EVERY_2);
        Path full = uninterrupted.runDir();
        assertEquals(stepOf(full.resolve("best")), uninterrupted.result().bestStep(), "the result names the best checkpoint");
        Path run = stoppedAfterStep2("died");
        // As if the process died right after saving step-2, before linking best, best-<task> and eval.json.
        for (String name : List.of("best", "best-sst2", "best-qqp")) {
            Checkpoints.deleteTree(run.resolve(name));
        }
        Files.delete(run.resolve("eval.json"));

        assertEquals(stepOf(full.resolve("best")), TrainSession.run(null, null, run, List.of()).result().bestStep(),
                "a resumed run's result names the best checkpoint too");
        assertEquals(JSON.readTree(full.resolve("eval.json").toFile()), JSON.readTree(run.resolve("eval.json").toFile()));
        assertEquals(stepOf(full.resolve("best")), stepOf(run.resolve("best")));
        for (String task : List.of("sst2", "qqp")) {
            assertEquals(stepOf(full.resolve("best-" + task)), stepOf(run.resolve("best-" + task)), task);
        }
    }

    @Test
    void aRunThatDiedAfterLinkingItsBestButBeforeWritingEvalJsonWritesItOnResume() throws Exception {
        Map<String, Object> frozenInPlace = stopsEarlyAtStep4(0); // step 2 stays best: no later evaluation writes eval.json
        Path full = train("full", frozenInPlace).runDir();
        Path run = trainStoppingAt(2, "died", frozenInPlace).runDir();
        // As if the process died right after linking best (step 2), before writing eval.json.
        Files.delete(run.resolve("eval.json"));

        TrainSession.run(null, null, run, List.of());
        assertEquals(2, stepOf(run.resolve("best")), "precondition: step 2 stayed best");
        assertTrue(Files.isRegularFile(run.resolve("eval.json")), "eval.json is written on resume");
        assertEquals(JSON.readTree(full.resolve("eval.json").toFile()), JSON.readTree(run.resolve("eval.json").toFile()));
    }

    @Test
    void theOldCopyOfAnInterruptedReplacementIsRemovedWhenTheReplacementIsRedone() throws Exception {
        Path run = stoppedAfterStep2("interrupted");
        // As if killed between the two renames of replacing best, and of replacing last: the old
        // copies renamed aside, the new ones not yet in place.
        Files.move(run.resolve("best"), run.resolve(".old-best-123"));
        Files.move(run.resolve("last"), run.resolve(".old-last--456"));

        TrainSession.run(null, null, run, List.of());
        try (var entries = Files.list(run)) {
            assertEquals(List.of(), entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".old-")).toList(),
                    "no copy of a checkpoint is left behind, outside what --keep-last bounds");
        }
        assertEquals(2, stepOf(run.resolve("best")));
        assertEquals(6, stepOf(run.resolve("last")));
    }

    @Test
    void resumesCheckpointsSavedBeforeTheStateHeldTheBestMetrics() throws Exception {
        Path full = train("full", EVAL_EVERY_2).runDir();
        Path run = stoppedAfterStep2("old");
        Checkpoints.deleteTree(run.resolve("best")); // and the run died before linking it
        Files.delete(run.resolve("eval.json"));
        for (Path checkpoint : List.of(run.resolve("last"), run.resolve("step-2"))) {
            if (Files.isDirectory(checkpoint)) {
                var state = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(checkpoint.resolve(Checkpoints.STATE).toFile());
                state.remove(List.of("bestMetrics", "bestTaskSteps"));
                Files.writeString(checkpoint.resolve(Checkpoints.STATE), state.toString());
            }
        }
        assertEquals(stepOf(full.resolve("best")), TrainSession.run(null, null, run, List.of()).result().bestStep(),
                "a resumed run's result names the best checkpoint too");
        assertEquals(JSON.readTree(full.resolve("eval.json").toFile()), JSON.readTree(run.resolve("eval.json").toFile()));
    }

    @Test
    void trainingLearnsTheTinyTasksAndWritesTheRunLayout() throws Exception {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("steps", 240L);
        extra.put("eval-every", 120L);
        extra.put("batch-size", 16);
        extra.put("warmup-ratio", 0.1);
        Path run = train("learn", extra).runDir();
        for (String name : List.of("best", "last", "best-sst2", "best-qqp", "step-240", "metrics.jsonl", "eval.json")) {
            assertTrue(Files.exists(run.resolve(name)), name);
        }
        JsonNode eval = JSON.readTree(run.resolve("eval.json").toFile());
        assertTrue(eval.get("sst2").get("accuracy").asDouble() > 0.8, "sst2 " + eval + " losses " + losses(run));
        assertTrue(eval.get("qqp").has("f1"), "qqp reports f1: " + eval);
        List<Double> l = losses(run);
        double first = l.subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = l.subList(l.size() - 10, l.size()).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(last < first * 0.7, "loss fell from " + first + " to " + last);
        Map<String, Object> meta = Checkpoints.readMeta(run.resolve("best"));
        assertTrue(meta.containsKey("provenance") && meta.containsKey("config"));
    }

    @Test
    void bf16AutocastTrainsWithFiniteLossesCloseToFp32() throws Exception {
        List<Double> fp32 = losses(train("fp32", Map.of("dropout", false)).runDir());
        List<Double> bf16 = losses(train("bf16", Map.of("dropout", false, "precision", "bf16")).runDir());
        assertEquals(fp32.size(), bf16.size());
        for (int i = 0; i < fp32.size(); i++) {
            assertTrue(Double.isFinite(bf16.get(i)));
            assertEquals(fp32.get(i), bf16.get(i), 0.05, "bf16 loss of step " + (i + 1) + " near fp32");
        }
        assertNotEquals(fp32, bf16, "autocast changed the arithmetic");
    }

    @Test
    void pcgradTrainsEveryTaskEveryStepAndDiffersFromPlainTraining() throws Exception {
        TrainSession.Outcome pcgrad = train("pcgrad", Map.of("mtl", "pcgrad", "dropout", false, "steps", 3L));
        assertEquals(Map.of("sst2", 3L, "qqp", 3L), pcgrad.result().taskSteps());
        long lossLines = losses(pcgrad.runDir()).size();
        assertEquals(6, lossLines, "one loss line per task per step");
        Map<String, Object> plainExtra = Map.of("mtl", "plain", "dropout", false, "steps", 3L);
        Path plain = train("plain", plainExtra).runDir();
        assertFalse(java.util.Arrays.equals(
                Tensors.toFloatArray(weights(pcgrad.runDir().resolve("last")).get("encoder.layer.1.output.dense.weight")),
                Tensors.toFloatArray(weights(plain.resolve("last")).get("encoder.layer.1.output.dense.weight"))));
    }

    @Test
    void refusesToOverwriteARunAndToResumeWithAChangedConfig() throws Exception {
        Path run = train("once", Map.of()).runDir();
        UserError e = assertThrows(UserError.class, () -> train("once", Map.of()));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        e = assertThrows(UserError.class, () -> TrainSession.run(config(Map.of("lr", 0.5)), null, run, List.of()));
        assertTrue(e.getMessage().contains("changed config") && e.getMessage().contains("lr"), e.getMessage());
    }

    @Test
    void resumesFromMovedInputsButNotFromChangedOnes() throws Exception {
        Path run = train("inputs", Map.of()).runDir();
        Path movedData = TestFiles.copyTree(data, dir.resolve("glue-moved"));
        Path movedModel = TestFiles.copyTree(model, dir.resolve("model-moved"));
        Map<String, Object> moved = Map.of("data", movedData.toString(), "model", movedModel.toString());
        TrainSession.run(config(moved), null, run, List.of());

        Files.writeString(movedData.resolve("sst2/train.jsonl"),
                "{\"sentence\": \"a great film\", \"label\": 1, \"idx\": 999}\n", java.nio.file.StandardOpenOption.APPEND);
        UserError e = assertThrows(UserError.class, () -> TrainSession.run(config(moved), null, run, List.of()));
        assertTrue(e.getMessage().contains("the data changed") && e.getMessage().contains("sst2/train (sha256 ")
                && !e.getMessage().contains("qqp"), e.getMessage());

        Files.writeString(movedModel.resolve("tokenizer.json"), "\n", java.nio.file.StandardOpenOption.APPEND);
        e = assertThrows(UserError.class, () -> TrainSession.run(config(Map.of("model", movedModel.toString())), null, run, List.of()));
        assertTrue(e.getMessage().contains("is not the tokenizer the run started with"), e.getMessage());
    }

    @Test
    void aTaskDefinitionEditedSinceTheRunStartedIsRefusedOnResume() throws Exception {
        String declaration = """
                tasks:
                  - name: pair
                    text_fields: %s
                    labels: [different, duplicate]
                    metrics: [accuracy, f1]
                    main_metric: %s
                    files:
                      train: %s
                      validation: %s
                """;
        Path taskFile = dir.resolve("tasks.yaml");
        String train = data.resolve("qqp/train.jsonl").toString();
        String dev = data.resolve("qqp/validation.jsonl").toString();
        Files.writeString(taskFile, declaration.formatted("[question1, question2]", "accuracy", train, dev));
        Map<String, Object> pair = Map.of("tasks", "sst2,pair", "task-file", taskFile.toString(), "eval-every", 2L);
        Path run = trainStoppingAt(2, "edited", pair).runDir();

        // The same data files and labels, but the pair's texts swapped: each step would train on other inputs.
        Files.writeString(taskFile, declaration.formatted("[question2, question1]", "accuracy", train, dev));
        UserError e = assertThrows(UserError.class, () -> TrainSession.run(config(pair), null, run, List.of()));
        assertTrue(e.getMessage().contains("task pair") && e.getMessage().contains("text fields [question1, question2] -> [question2, question1]"),
                e.getMessage());
        // Another main metric would pick best checkpoints by comparing f1 against the accuracies so far.
        Files.writeString(taskFile, declaration.formatted("[question1, question2]", "f1", train, dev));
        e = assertThrows(UserError.class, () -> TrainSession.run(config(pair), null, run, List.of()));
        assertTrue(e.getMessage().contains("main metric accuracy -> f1"), e.getMessage());

        Files.writeString(taskFile, declaration.formatted("[question1, question2]", "accuracy", train, dev));
        assertEquals(6, TrainSession.run(config(pair), null, run, List.of()).result().steps());
    }


    @Test
    void aNonFiniteLossStopsTheRunAfterSavingTheLastGoodState() throws Exception {
        System.setProperty("mtl4j.test.poison-step", "4");
        try {
            UserError e = assertThrows(UserError.class, () -> train("nan", Map.of()));
            assertTrue(e.getMessage().contains("step 5") && e.getMessage().contains("task"), e.getMessage());
            assertEquals(4, Checkpoints.readState(dir.resolve("nan").resolve("last")).step());
            TrainSession.Outcome skipped = train("skip", Map.of("on-nonfinite", "skip"));
            assertEquals(1, skipped.result().skippedSteps());
            assertEquals(6, skipped.result().steps());
        } finally {
            System.clearProperty("mtl4j.test.poison-step");
        }
    }

    private TrainSession.Outcome trainPoisoned(String name, String poison, Map<String, Object> extra) throws Exception {
        System.setProperty("mtl4j.test.poison-step", poison);
        try {
            return train(name, extra);
        } finally {
            System.clearProperty("mtl4j.test.poison-step");
        }
    }

    @Test
    void aSkippedLastStepStillEvaluatesTheFinalWeights() throws Exception {
        TrainSession.Outcome run = trainPoisoned("skip-last", "5", Map.of("on-nonfinite", "skip", "eval-every", 3L));
        assertEquals(1, run.result().skippedSteps());
        List<Long> evaluated = new ArrayList<>();
        for (String line : Files.readAllLines(run.runDir().resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("split") && n.get("task").asText().equals("sst2")) {
                evaluated.add(n.get("step").asLong());
            }
        }
        assertEquals(List.of(3L, 6L), evaluated);
        assertEquals(6, stepOf(run.runDir().resolve("last")));
    }

    @Test
    void aSkippedPcgradStepTrainsNoTask() throws Exception {
        // qqp's loss turns NaN at step 3, after sst2's gradient was already taken
        TrainSession.Outcome run = trainPoisoned("pcgrad-skip", "2:qqp", Map.of("on-nonfinite", "skip", "mtl", "pcgrad"));
        assertEquals(1, run.result().skippedSteps());
        assertEquals(Map.of("sst2", 5L, "qqp", 5L), run.result().taskSteps());
        assertEquals(List.of("sst2", "qqp"), List.copyOf(run.result().taskSteps().keySet()), "in --tasks order");
    }

    @Test
    void aPcgradTaskFailingEveryStepStopsTheRunEvenWhenAHealthyTaskComesFirst() throws Exception {
        // From step 3 on qqp's loss is NaN on every step; sst2, checked first in each step, is fine.
        // A healthy task must not reset the bad steps in a row: the step as a whole is bad.
        UserError e = assertThrows(UserError.class, () -> trainPoisoned("pcgrad-every-step", "2+:qqp",
                Map.of("on-nonfinite", "skip", "max-bad-steps", 2, "mtl", "pcgrad")));
        assertTrue(e.getMessage().contains("step 4, task qqp") && e.getMessage().contains("2 non-finite steps in a row"),
                e.getMessage());
        assertEquals(3, stepOf(dir.resolve("pcgrad-every-step").resolve("last")), "the last good state: the weights from before the bad steps");
    }

    @Test
    void aTaskFailingOnEachOfItsStepsStopsTheRunThoughOtherTasksStepsComeBetween() throws Exception {
        // Round-robin sst2, qqp: qqp's steps 4 and 6 are NaN, sst2's step 5 between them is fine.
        UserError e = assertThrows(UserError.class, () -> trainPoisoned("task-every-step", "2+:qqp",
                Map.of("on-nonfinite", "skip", "max-bad-steps", 2)));
        assertTrue(e.getMessage().contains("step 6, task qqp") && e.getMessage().contains("2 non-finite steps of task qqp in a row"),
                e.getMessage());
        assertEquals(5, stepOf(dir.resolve("task-every-step").resolve("last")), "the last good state: the weights after step 5");
    }

    @Test
    void aPcgradRunOfBadStepsEndsOnlyWithAWholeGoodStep() throws Exception {
        // One bad step (qqp at step 3) between good ones: never 2 in a row, the run finishes.
        java.io.StringWriter log = new java.io.StringWriter();
        TrainSession.Outcome run;
        try (AutoCloseable capture = io.mtl4j.testing.LogCapture.into(log)) {
            run = trainPoisoned("pcgrad-one-bad", "2:qqp", Map.of("on-nonfinite", "skip", "max-bad-steps", 2, "mtl", "pcgrad"));
        }
        assertTrue(log.toString().contains("1 of the 6 steps were skipped as non-finite"), "the finish says so: " + log);
        assertEquals(6, run.result().steps());
        assertEquals(1, run.result().skippedSteps());
        assertEquals(0, Checkpoints.readState(run.runDir().resolve("last")).badSteps());
    }

    /** Every file under {@code run} (lock files aside) with its bytes, to tell whether a resume changed anything. */
    private static Map<String, String> snapshot(Path run) throws Exception {
        Map<String, String> files = new java.util.TreeMap<>();
        try (var paths = Files.walk(run)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                String name = run.relativize(p).toString();
                if (!name.contains("lock")) {
                    files.put(name, java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                            + " " + Files.getLastModifiedTime(p).toMillis());
                }
            }
        }
        return files;
    }

    /** A run of 6 steps with dev scores that cannot move: patience 1 stops it early at step 4. */
    private Map<String, Object> stopsEarlyAtStep4(int patience) {
        Map<String, Object> frozenInPlace = new LinkedHashMap<>(EVAL_EVERY_2);
        frozenInPlace.put("lr", 1e-9);
        frozenInPlace.put("head-lr", 1e-9);
        frozenInPlace.put("patience", patience);
        return frozenInPlace;
    }

    @Test
    void resumingARunThatStoppedEarlyEndsAtOnceAndChangesNothing() throws Exception {
        TrainSession.Outcome first = train("early", stopsEarlyAtStep4(1));
        assertTrue(first.result().earlyStopped());
        assertEquals(4, first.result().steps());
        Path run = first.runDir();
        assertEquals(Boolean.TRUE, Checkpoints.readState(run.resolve("last")).earlyStopped());
        Map<String, String> before = snapshot(run);

        Trainer.Result again = TrainSession.run(null, null, run, List.of()).result();
        assertEquals(4, again.steps(), "no further training");
        assertTrue(again.earlyStopped());
        assertEquals(first.result().bestStep(), again.bestStep());
        assertEquals(before, snapshot(run), "no new checkpoint, metrics line or link");
    }

    @Test
    void resumingAFinishedRunChangesNothing() throws Exception {
        Path run = train("finished", EVAL_EVERY_2).runDir();
        Map<String, String> before = snapshot(run);
        Trainer.Result again = TrainSession.run(null, null, run, List.of("train", "--resume", run.toString())).result();
        assertEquals(6, again.steps());
        assertEquals(before, snapshot(run), "no checkpoint rewritten with the resume's provenance");

        Map<String, Object> keepOne = new LinkedHashMap<>(EVAL_EVERY_2);
        keepOne.put("keep-last", 1);
        TrainSession.run(config(keepOne), null, run, List.of());
        assertFalse(Files.exists(run.resolve("step-4")), "a smaller --keep-last still prunes");
        assertEquals(before.get("last/mtl4j.json"), snapshot(run).get("last/mtl4j.json"));
    }

    @Test
    void aRunThatStoppedEarlyTrainsOnWhenResumedWithALargerPatience() throws Exception {
        Path run = train("early-more", stopsEarlyAtStep4(1)).runDir();
        Trainer.Result resumed = TrainSession.run(config(stopsEarlyAtStep4(3)), null, run, List.of()).result();
        assertEquals(6, resumed.steps());
        assertFalse(resumed.earlyStopped());
        assertEquals(6, stepOf(run.resolve("last")));
        assertEquals(Boolean.FALSE, Checkpoints.readState(run.resolve("last")).earlyStopped());
    }

    @Test
    void aPatienceLoweredOnResumeBelowTheEvaluationsWithoutGainStopsTheRunAtOnce() throws Exception {
        Map<String, Object> patient = stopsEarlyAtStep4(3);
        patient.put("steps", 10L);
        Path run = trainStoppingAt(5, "patience-lowered", patient).runDir(); // no gain at step 4, then stopped at 5
        Map<String, String> before = snapshot(run);
        patient.put("patience", 1);
        Trainer.Result resumed = TrainSession.run(config(patient), null, run, List.of()).result();
        assertTrue(resumed.earlyStopped(), "patience 1 ran out at step 4's evaluation");
        assertEquals(5, resumed.steps(), "no step is trained past what patience 1 allows");
        assertEquals(before, snapshot(run));
    }

    @Test
    void checkpointsSavedBeforeTheStateHeldTheEarlyStopStillLoadAndStayStopped() throws Exception {
        Path run = train("early-old", stopsEarlyAtStep4(1)).runDir();
        try (var dirs = Files.list(run)) {
            for (Path checkpoint : dirs.filter(p -> Files.isRegularFile(p.resolve(Checkpoints.STATE))).toList()) {
                var state = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(checkpoint.resolve(Checkpoints.STATE).toFile());
                state.remove("earlyStopped");
                Files.writeString(checkpoint.resolve(Checkpoints.STATE), state.toString());
            }
        }
        assertEquals(null, Checkpoints.readState(run.resolve("last")).earlyStopped());
        Map<String, String> before = snapshot(run);
        Trainer.Result again = TrainSession.run(null, null, run, List.of()).result();
        assertEquals(4, again.steps());
        assertTrue(again.earlyStopped());
        assertEquals(before, snapshot(run));
    }

    @Test
    void fixedPaddingBeyondTheModelsPositionsPadsToItsLimit() throws Exception {
        // The tiny model has 64 positions: tokenization truncates to 64, and the batches must stop there too.
        TrainSession.Outcome run = train("fixed", Map.of("padding", "fixed", "max-length", 128));
        assertEquals(6, run.result().steps());
    }

    @Test
    void aResumeRemovesTheTempFilesOfRunFileWritesADeadRunLeftUnfinished() throws Exception {
        Path run = stoppedAfterStep2("temp-files");
        // As if killed while a resume rewrote metrics.jsonl, and while writing eval.json.
        Path metricsTemp = Files.writeString(run.resolve(".metrics.jsonl123" + io.mtl4j.util.AtomicFiles.TEMP_SUFFIX), "{\"step\":1}\n");
        Path evalTemp = Files.writeString(run.resolve(".eval.json456" + io.mtl4j.util.AtomicFiles.TEMP_SUFFIX), "{");
        TrainSession.run(null, null, run, List.of());
        assertFalse(Files.exists(metricsTemp));
        assertFalse(Files.exists(evalTemp));
    }

    @Test
    void aRunThatAnotherProcessTrainsInCannotBeResumedOrOverwritten() throws Exception {
        Path run = stoppedAfterStep2("locked");
        Path unfinished = Files.createDirectories(run.resolve(".tmp-step-4-123"));
        try (RunLock live = RunLock.acquire(run)) {
            UserError e = assertThrows(UserError.class, () -> TrainSession.run(null, null, run, List.of()));
            assertTrue(e.getMessage().contains("another mtl4j run is training in this directory"), e.getMessage());
            assertTrue(Files.isDirectory(unfinished), "a live run's write in progress is left alone");
        }
        TrainSession.run(null, null, run, List.of());
        assertFalse(Files.exists(unfinished), "a dead run's unfinished write is removed on resume");
        assertEquals(6, stepOf(run.resolve("last")));
    }

    @Test
    void aStaleLockFileNeitherLocksNorFillsARunDirectory() throws Exception {
        Path run = Files.createDirectories(dir.resolve("stale"));
        RunLock.acquire(run).close(); // e.g. a run that died before writing anything
        assertEquals(6, TrainSession.run(config(Map.of()), run, null, List.of()).result().steps());
    }

    @Test
    void anEmptyDevSplitIsAnErrorWhenEvaluatingAndUnusedOtherwise() throws Exception {
        Path dev = data.resolve("sst2/validation.jsonl");
        Files.writeString(dev, "");
        UserError e = assertThrows(UserError.class, () -> train("empty-dev", Map.of("eval-every", 2L)));
        assertEquals(dev + ": the sst2 validation split has no rows", e.getMessage());
        assertEquals(6, train("no-eval", Map.of()).result().steps());
    }

    @Test
    void aRunThatFailsBeforeTrainingLeavesItsOutputDirectoryAsItFoundIt() throws Exception {
        Map<String, Object> missingModel = Map.of("model", dir.resolve("no-such-model").toString());
        Path created = dir.resolve("failed-start");
        assertThrows(UserError.class, () -> TrainSession.run(config(missingModel), created, null, List.of()));
        assertFalse(Files.exists(created), "a directory the run created is removed");
        Path existing = Files.createDirectories(dir.resolve("failed-start-existing"));
        assertThrows(UserError.class, () -> TrainSession.run(config(missingModel), existing, null, List.of()));
        try (var entries = Files.list(existing)) {
            assertEquals(List.of(), entries.toList(), "a directory that was there is left empty");
        }
    }

    @Test
    void aRunStoppedBeforeItsFirstCheckpointSavesNothingAndANewRunMayStartOverIt() throws Exception {
        TrainSession.Outcome stopped = trainStoppingAt(0, "never-saved", Map.of());
        Path run = stopped.runDir();
        assertTrue(stopped.result().interrupted());
        assertFalse(Files.exists(run.resolve("last")), "no step-0 checkpoint");
        UserError resume = assertThrows(UserError.class, () -> TrainSession.run(null, null, run, List.of()));
        assertTrue(resume.getMessage().endsWith("start it again with --output " + run), resume.getMessage());
        Files.createDirectories(run.resolve(".tmp-step-3-42")); // as if killed while writing its first checkpoint
        assertEquals(6, train("never-saved", Map.of()).result().steps());
        assertFalse(Files.exists(run.resolve(".tmp-step-3-42")));
        UserError e = assertThrows(UserError.class, () -> train("never-saved", Map.of()));
        assertTrue(e.getMessage().contains("is not empty; use --resume " + run), "a run with checkpoints is never started over: "
                + e.getMessage());
        UserError checkpointGiven = assertThrows(UserError.class, () -> TrainSession.run(null, null, run.resolve("last"), List.of()));
        assertTrue(checkpointGiven.getMessage().endsWith("is a checkpoint: give its run directory, --resume " + run.toAbsolutePath()),
                checkpointGiven.getMessage());
    }

    @Test
    void aMissingDevSplitSaysEvaluationNeedsItAndHowToTrainWithout() throws Exception {
        Path noDev = TinyGlue.write(dir.resolve("glue-no-dev"), 96, 32, 5);
        Files.delete(noDev.resolve("qqp/validation.jsonl"));
        UserError e = assertThrows(UserError.class, () -> train("no-dev", Map.of("data", noDev.toString(), "eval-every", 3L)));
        assertTrue(e.getMessage().startsWith("no file for task qqp split validation; looked for: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" (dev evaluation needs it; --eval-every 0 trains without)"), e.getMessage());
        assertEquals(6, train("no-dev-no-eval", Map.of("data", noDev.toString(), "eval-every", 0L)).result().steps());
    }

    @Test
    void aDeclaredTaskWithoutADevSplitIsAnErrorWhenEvaluating() throws Exception {
        // Evaluated, it would have no score: alone, every evaluation scored a mean of 0 over no task,
        // and --patience 1 stopped the run at its second evaluation, with an empty eval.json.
        Path taskFile = dir.resolve("tasks.yaml");
        Files.writeString(taskFile, """
                tasks:
                  - name: pair
                    text_fields: [question1, question2]
                    labels: [different, duplicate]
                    files:
                      train: %s
                """.formatted(data.resolve("qqp/train.jsonl")));
        Map<String, Object> trainOnly = new LinkedHashMap<>(Map.of("tasks", "pair", "task-file", taskFile.toString()));
        trainOnly.put("eval-every", 2L);
        trainOnly.put("patience", 1);
        UserError e = assertThrows(UserError.class, () -> train("train-only", trainOnly));
        assertEquals("task pair has no validation split (its splits: [train]); dev evaluation needs one"
                + " (--eval-every 0 trains without)", e.getMessage());
        trainOnly.put("eval-every", 0L);
        trainOnly.put("patience", 0);
        assertEquals(6, train("train-only-no-eval", trainOnly).result().steps());
    }

    @Test
    void aNonEmptyDirectoryThatIsNoRunIsRefusedWithoutOfferingToResumeIt() throws Exception {
        Path other = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(other.resolve("x.txt"), "mine");
        UserError e = assertThrows(UserError.class, () -> train("notes", Map.of()));
        assertEquals("--output " + other + " is not empty; it holds no mtl4j run to resume: choose a new directory (nothing was overwritten)",
                e.getMessage());
        assertEquals("mine", Files.readString(other.resolve("x.txt")));
    }

    @Test
    void relativeInputPathsAreSavedAbsoluteSoTheRunResumesFromAnywhere() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        Map<String, Object> relative = Map.of("data", cwd.relativize(data.toAbsolutePath()).toString(),
                "model", cwd.relativize(model.toAbsolutePath()).toString());
        Path run = train("relative", relative).runDir();
        @SuppressWarnings("unchecked")
        Map<String, Object> saved = (Map<String, Object>) Checkpoints.readMeta(run.resolve("last")).get("config");
        assertEquals(data.toAbsolutePath().normalize().toString(), saved.get("data"));
        assertEquals(model.toAbsolutePath().normalize().toString(), saved.get("model"));
        // the same inputs named relatively are no change
        assertTrue(SavedConfig.nonResumableChanges(SavedConfig.of(run.resolve("last")), config(relative)).isEmpty());
    }

    @Test
    void bookkeepingSettingsMayChangeOnResumeButStepsMayNot() throws Exception {
        Path run = stoppedAfterStep2("bookkeeping");
        Map<String, Object> changed = new LinkedHashMap<>(EVAL_EVERY_2);
        changed.put("keep-last", 3);
        changed.put("patience", 5);
        assertEquals(6, TrainSession.run(config(changed), null, run, List.of()).result().steps());
        changed.put("steps", 12L);
        UserError e = assertThrows(UserError.class, () -> TrainSession.run(config(changed), null, run, List.of()));
        assertTrue(e.getMessage().contains("steps 6 -> 12 (the learning-rate schedule"), e.getMessage());
    }

    @Test
    void aDamagedNewestCheckpointIsPassedOverOnResume() throws Exception {
        Path full = train("full", EVAL_EVERY_2).runDir();
        Path run = trainStoppingAt(3, "damaged", EVAL_EVERY_2).runDir();
        assertEquals(3, stepOf(run.resolve("last")), "precondition: last is the newest checkpoint");
        Path weights = run.resolve("last/model.safetensors");
        try (var ch = java.nio.channels.FileChannel.open(weights, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        TrainSession.run(null, null, run, List.of()); // from step-2 (or best), redoing step 3
        assertEquals(losses(full), losses(run));
        assertClose(weights(full.resolve("last")), weights(run.resolve("last")), 1e-6f);
    }

    @Test
    void aResumePastADamagedNewerBestLinksTheBestOfTheTrajectoryItContinues() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>(EVAL_EVERY_2);
        settings.put("steps", 8L);
        settings.put("keep-last", 3);
        Path run = trainStoppingAt(7, "damaged-best", settings).runDir(); // step-2, -4, -6 and last at 7
        assertEquals(2, stepOf(run.resolve("best")), "precondition: the tiny tasks' dev scores do not beat step 2's");
        // As if step 6 had scored better (on a GPU, whose steps are not bit-reproducible, the resumed run's step 6
        // may then score lower): best and best-sst2 link it (eval.json is left as it was).
        for (String name : List.of("best", "best-sst2")) {
            Checkpoints.link(run, run.resolve("step-6"), name);
        }
        for (String damaged : List.of("last", "step-6")) { // step-6's weights are its best links' weights too
            try (var ch = java.nio.channels.FileChannel.open(run.resolve(damaged).resolve("model.safetensors"),
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() / 2);
            }
        }
        Trainer.Result resumed = TrainSession.run(null, null, run, List.of()).result(); // from step-4, best step 2
        assertEquals(2, resumed.bestStep());
        for (String name : List.of("best", "best-sst2")) {
            assertEquals(2, stepOf(run.resolve(name)), name + " links the best of the trajectory the run went on with");
            Checkpoints.readState(run.resolve(name)); // intact
        }
        assertEquals(JSON.readTree(JSON.writeValueAsString(resumed.bestMetrics())), JSON.readTree(run.resolve("eval.json").toFile()),
                "eval.json holds the scores of the best checkpoint");
    }

    @Test
    void aNewestCheckpointWithADamagedModelConfigIsPassedOverOnResume() throws Exception {
        Path full = train("full", EVAL_EVERY_2).runDir();
        Path run = trainStoppingAt(3, "damaged-config", EVAL_EVERY_2).runDir();
        assertEquals(3, stepOf(run.resolve("last")), "precondition: last is the newest checkpoint");
        Path config = run.resolve("last/config.json");
        Files.writeString(config, Files.readString(config).substring(0, (int) Files.size(config) / 2));
        TrainSession.run(null, null, run, List.of()); // from step-2 (or best), redoing step 3
        assertEquals(losses(full), losses(run));
        assertClose(weights(full.resolve("last")), weights(run.resolve("last")), 1e-6f);
    }

    @Test
    void patienceRunningOutAtTheLastStepIsNoEarlyStop() throws Exception {
        Map<String, Object> frozenInPlace = new LinkedHashMap<>(EVAL_EVERY_2); // dev scores cannot move
        frozenInPlace.put("lr", 1e-9);
        frozenInPlace.put("head-lr", 1e-9);
        frozenInPlace.put("patience", 1);
        Trainer.Result stoppedEarly = train("patience-1", frozenInPlace).result();
        assertTrue(stoppedEarly.earlyStopped());
        assertEquals(4, stoppedEarly.steps());
        frozenInPlace.put("patience", 2);
        Trainer.Result ranOut = train("patience-2", frozenInPlace).result();
        assertFalse(ranOut.earlyStopped(), "the evaluation that exhausts patience is the last one anyway");
        assertEquals(6, ranOut.steps());
    }

    @Test
    void resumeNamesLastWhenBestHoldsTheSameStep() throws Exception {
        Path run = stoppedAfterStep2("same-step"); // last, step-2, best and best-<task> all at step 2
        assertEquals(2, stepOf(run.resolve("best")), "precondition");
        assertEquals(run.resolve("last"), Checkpoints.newestResumable(run));
    }
}
