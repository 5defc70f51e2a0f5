package io.mtl4j.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effective configuration of a training run: a config file (YAML or JSON) with command-line
 * flags on top, validated once. Keys are the long flag names without dashes, e.g.
 * {@code batch-size}; {@link ConfigLoader} documents every key and its default.
 */
public record TrainConfig(
        String model,
        String revision,
        String data,
        String dataRevision,
        List<String> tasks,
        String taskFile,
        long steps,
        int batchSize,
        int gradAccum,
        double lr,
        double headLr,
        double lossWeightLr,
        double layerLrDecay,
        double weightDecay,
        double warmupRatio,
        String schedule,
        double maxGradNorm,
        double adamBeta1,
        double adamBeta2,
        double adamEps,
        String sampler,
        double temperature,
        long samplerCap,
        int maxLength,
        String padding,
        int maxTokens,
        String headInput,
        int freezeLayers,
        boolean freezeEmbeddings,
        String lossWeighting,
        Map<String, Double> taskWeights,
        String mtl,
        String pcgradReduction,
        long evalEvery,
        int evalBatchSize,
        long maxEvalExamples,
        int patience,
        long logEvery,
        int keepLast,
        long saveEvery,
        long seed,
        String device,
        int threads,
        String precision,
        String onBadRow,
        String onNonfinite,
        int maxBadSteps,
        boolean dropout,
        boolean memoryWarmup,
        String cacheDir) {

    /** The config as an ordered map of its keys, as saved beside every checkpoint. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("revision", revision);
        m.put("data", data);
        m.put("data-revision", dataRevision);
        m.put("tasks", tasks);
        m.put("task-file", taskFile);
        m.put("steps", steps);
        m.put("batch-size", batchSize);
        m.put("grad-accum", gradAccum);
        m.put("lr", lr);
        m.put("head-lr", headLr);
        m.put("loss-weight-lr", lossWeightLr);
        m.put("layer-lr-decay", layerLrDecay);
        m.put("weight-decay", weightDecay);
        m.put("warmup-ratio", warmupRatio);
        m.put("schedule", schedule);
        m.put("max-grad-norm", maxGradNorm);
        m.put("adam-beta1", adamBeta1);
        m.put("adam-beta2", adamBeta2);
        m.put("adam-eps", adamEps);
        m.put("sampler", sampler);
        m.put("temperature", temperature);
        m.put("sampler-cap", samplerCap);
        m.put("max-length", maxLength);
        m.put("padding", padding);
        m.put("max-tokens", maxTokens);
        m.put("head-input", headInput);
        m.put("freeze-layers", freezeLayers);
        m.put("freeze-embeddings", freezeEmbeddings);
        m.put("loss-weighting", lossWeighting);
        m.put("task-weights", taskWeights);
        m.put("mtl", mtl);
        m.put("pcgrad-reduction", pcgradReduction);
        m.put("eval-every", evalEvery);
        m.put("eval-batch-size", evalBatchSize);
        m.put("max-eval-examples", maxEvalExamples);
        m.put("patience", patience);
        m.put("log-every", logEvery);
        m.put("keep-last", keepLast);
        m.put("save-every", saveEvery);
        m.put("seed", seed);
        m.put("device", device);
        m.put("threads", threads);
        m.put("precision", precision);
        m.put("on-bad-row", onBadRow);
        m.put("on-nonfinite", onNonfinite);
        m.put("max-bad-steps", maxBadSteps);
        m.put("dropout", dropout);
        m.put("memory-warmup", memoryWarmup);
        m.put("cache-dir", cacheDir);
        return m;
    }

    /** Steps of linear warmup: ceil(ratio × steps), as Hugging Face's Trainer counts them. */
    public long warmupSteps() {
        return (long) Math.ceil(warmupRatio * steps);
    }
}
