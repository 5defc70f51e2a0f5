package io.mtl4j.train;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.data.TaskSamplers;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunSummaryTest {
    private static TrainConfig config(Map<String, Object> extra) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", "m");
        o.put("data", "d");
        o.put("tasks", "sst2,mnli,qqp");
        o.put("steps", 1500L);
        o.put("lr", 5e-5);
        o.putAll(extra);
        return ConfigLoader.load(null, o);
    }

    @Test
    void theRecipeSaysEachTasksShareOfTheSteps() {
        TrainConfig c = config(Map.of());
        // sqrt of the sizes: 259.5, 198.2, 72.1 of 529.8
        long[] sizes = {67349, 39273, 5195};
        assertEquals("1500 steps of effective batch 32; lr 5e-5, 150 warmup steps then linear; temperature 2 sampling: "
                        + "sst2 49.0% (~735 steps), mnli 37.4% (~561 steps), qqp 13.6% (~204 steps)",
                RunSummary.describe(c, c.tasks(), TaskSamplers.temperature(sizes, 2, 42), 1));
    }

    @Test
    void theAnnealedSamplerSaysTheSharesOfTheWholeRun() {
        TrainConfig c = config(Map.of("sampler", "annealed"));
        long[] sizes = {67349, 392702, 363846};
        // sum over t < 1500 of n_i^a / sum_j n_j^a, a = 1 - 0.8 t / 1499 (computed independently in Python)
        assertEquals("1500 steps of effective batch 32; lr 5e-5, 150 warmup steps then linear; annealed sampling: "
                        + "sst2 15.8% (~237 steps), mnli 43.1% (~646 steps), qqp 41.1% (~617 steps) over the run"
                        + " (n^α, α annealed from 1 to 0.2)",
                RunSummary.describe(c, c.tasks(), TaskSamplers.annealed(sizes, 1500, 42), 1));
    }

    @Test
    void accumulationRanksHeadRatesAndOtherSamplers() {
        TrainConfig c = config(Map.of("grad-accum", 4, "head-lr", 1e-3, "sampler", "round-robin"));
        assertEquals("1500 steps of effective batch 256 (32 x 4 grad-accum x 2 rank(s)); lr 5e-5, heads 0.001, "
                        + "150 warmup steps then linear; round-robin over sst2, mnli, qqp",
                RunSummary.describe(c, c.tasks(), TaskSamplers.roundRobin(3), 2));
        TrainConfig pcgrad = config(Map.of("mtl", "pcgrad"));
        assertEquals("1500 steps of effective batch 32; lr 5e-5, 150 warmup steps then linear; "
                + "PCGrad: every step takes a batch of each task", RunSummary.describe(pcgrad, pcgrad.tasks(), TaskSamplers.roundRobin(3), 1));
    }

    @Test
    void aSingleTaskRunHasNoSamplingToDescribe() {
        TrainConfig c = config(Map.of("tasks", "sst2", "steps", 727L));
        assertEquals("727 steps of effective batch 32; lr 5e-5, 73 warmup steps then linear; single-task: sst2 trains every step",
                RunSummary.describe(c, c.tasks(), TaskSamplers.temperature(new long[] {67349}, 2, 42), 1));
    }

    @Test
    void ratesReadAsWritten() {
        assertEquals("5e-5", io.mtl4j.util.Numbers.human(5e-5));
        assertEquals("2e-5", io.mtl4j.util.Numbers.human(2.0e-5));
        assertEquals("1.5e-4", io.mtl4j.util.Numbers.human(1.5e-4));
        assertEquals("0.01", io.mtl4j.util.Numbers.human(0.01));
        assertEquals("2", io.mtl4j.util.Numbers.human(2.0));
        assertEquals("0", io.mtl4j.util.Numbers.human(0));
    }

    @Test
    void oneStepIsOneStep() {
        Map<String, Object> o = new LinkedHashMap<>(Map.of("model", "m", "data", "d", "tasks", "sst2", "steps", 1L,
                "warmup-ratio", 0.5, "sampler", "round-robin"));
        String line = RunSummary.describe(ConfigLoader.load(null, o), List.of("sst2"), TaskSamplers.roundRobin(1), 1);
        assertTrue(line.startsWith("1 step of effective batch"), line);
        assertTrue(line.contains("1 warmup step then"), line);
    }

    @Test
    void aFinishedRunNamesItsBestCheckpointAndScores() {
        Map<String, Map<String, Double>> best = new LinkedHashMap<>();
        best.put("sst2", Map.of("accuracy", 0.87614678));
        Map<String, Double> qqp = new LinkedHashMap<>();
        qqp.put("f1", 0.75283);
        qqp.put("accuracy", 0.79815);
        best.put("qqp", qqp);
        Trainer.Result result = new Trainer.Result(1500, Map.of(), false, false, best, 1000, 0);
        assertEquals("best checkpoint (mean of the main metrics): step 1000: sst2 accuracy 0.8761; qqp f1 0.7528, accuracy 0.7982"
                + " (" + java.nio.file.Path.of("run", "eval.json") + ")", RunSummary.best(result, java.nio.file.Path.of("run")));
        assertEquals("", RunSummary.best(new Trainer.Result(1500, Map.of(), false, false, Map.of(), -1, 0), java.nio.file.Path.of("run")),
                "a run that never evaluated has no best checkpoint");
    }

    @Test
    void durationsReadAsSpoken() {
        assertEquals("45 s", RunSummary.duration(java.time.Duration.ofSeconds(45)));
        assertEquals("3 min 05 s", RunSummary.duration(java.time.Duration.ofSeconds(185)));
        assertEquals("2 h 07 min", RunSummary.duration(java.time.Duration.ofMinutes(127).plusSeconds(30)));
    }
}
