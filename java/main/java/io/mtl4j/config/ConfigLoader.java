package io.mtl4j.config;

import io.mtl4j.util.Suggestions;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link TrainConfig} from defaults, then a YAML or JSON file, then command-line
 * overrides (later wins). Every value is checked; an unknown key or a value out of range is an
 * error naming where it came from.
 */
public final class ConfigLoader {
    private static final Logger LOG = LogManager.getLogger(ConfigLoader.class);
    /** Every key with its default; null means "required" or "derived". */
    public static final Map<String, Object> DEFAULTS = defaults();

    private static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model", null);
        d.put("revision", "main");
        d.put("data", null);
        d.put("data-revision", "main");
        d.put("tasks", null);
        d.put("task-file", null);
        d.put("steps", 1000L);
        d.put("batch-size", 32);
        d.put("grad-accum", 1);
        d.put("lr", 5e-5);
        d.put("head-lr", null);
        d.put("loss-weight-lr", 1e-2);
        d.put("layer-lr-decay", 1.0);
        d.put("weight-decay", 0.01);
        d.put("warmup-ratio", 0.1);
        d.put("schedule", "linear");
        d.put("max-grad-norm", 1.0);
        d.put("adam-beta1", 0.9);
        d.put("adam-beta2", 0.999);
        d.put("adam-eps", 1e-8);
        d.put("sampler", "temperature");
        d.put("temperature", 2.0);
        d.put("sampler-cap", 0L);
        d.put("max-length", 128);
        d.put("padding", "bucketed");
        d.put("max-tokens", 0);
        d.put("head-input", "pooler");
        d.put("freeze-layers", 0);
        d.put("freeze-embeddings", false);
        d.put("loss-weighting", "equal");
        d.put("task-weights", Map.of());
        d.put("mtl", "plain");
        d.put("pcgrad-reduction", "sum");
        d.put("eval-every", 500L);
        d.put("eval-batch-size", 64);
        d.put("max-eval-examples", 0L);
        d.put("patience", 0);
        d.put("log-every", 50L);
        d.put("keep-last", 2);
        d.put("save-every", 0L);
        d.put("seed", 42L);
        d.put("device", "auto");
        d.put("threads", 0);
        d.put("precision", "auto");
        d.put("on-bad-row", "error");
        d.put("on-nonfinite", "error");
        d.put("max-bad-steps", 10);
        d.put("dropout", true);
        d.put("memory-warmup", true);
        d.put("cache-dir", null);
        return d;
    }

    private static final Set<String> SCHEDULES = Set.of("linear", "cosine", "constant");
    private static final Set<String> SAMPLERS = Set.of("proportional", "temperature", "uniform", "round-robin", "annealed");

    private ConfigLoader() {
    }

    /** Reads a YAML (.yaml/.yml) or JSON config file into a key/value map. */
    public static Map<String, Object> readFile(Path file) {
        return ConfigFile.read(file, DEFAULTS.keySet()).values();
    }

    /** Defaults, then {@code file} (may be null), then {@code overrides} (non-null values only). */
    public static TrainConfig load(Path file, Map<String, Object> overrides) {
        return load(DEFAULTS, "default", file, overrides);
    }

    /** Like {@link #load(Path, Map)} on top of {@code base} (e.g. the config saved with a run). */
    public static TrainConfig load(Map<String, Object> base, String baseName, Path file, Map<String, Object> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>(DEFAULTS);
        merged.putAll(base);
        Map<String, String> origin = new LinkedHashMap<>();
        DEFAULTS.keySet().forEach(k -> origin.put(k, baseName + " " + k));
        Set<String> given = new HashSet<>();
        if (file != null) {
            ConfigFile read = ConfigFile.read(file, DEFAULTS.keySet());
            merged.putAll(read.values());
            origin.putAll(read.origins());
            given.addAll(read.values().keySet());
        }
        overrides.forEach((k, v) -> {
            if (v != null) {
                if (!DEFAULTS.containsKey(k)) {
                    throw new IllegalArgumentException("unknown override " + k);
                }
                merged.put(k, v);
                origin.put(k, "--" + k);
                given.add(k);
            }
        });
        return build(merged, origin, given, true);
    }

    /** Rebuilds a config saved beside a checkpoint (its keys are complete), or one with only what inference reads. */
    public static TrainConfig fromSaved(Map<String, Object> saved, String where) {
        Map<String, Object> merged = new LinkedHashMap<>(DEFAULTS);
        Map<String, String> origin = new LinkedHashMap<>();
        saved.forEach((k, v) -> {
            if (!DEFAULTS.containsKey(k)) {
                throw new UserError(where + ": unknown config key " + k);
            }
            merged.put(k, v);
        });
        if (!saved.containsKey("loss-weight-lr")) {
            // Saved before the key existed, when the loss weights trained at the heads' rate.
            merged.put("loss-weight-lr", saved.get("head-lr"));
        }
        DEFAULTS.keySet().forEach(k -> origin.put(k, where + ": " + k));
        return build(merged, origin, Set.of(), false);
    }

    /**
     * {@code given}: the keys set by this file or command line, not inherited from a saved config.
     * {@code dataRequired}: a run to start needs its data; a saved config was checked when its run started, and
     * one describing a model directory for inference (a Hugging Face export) has none to record.
     */
    private static TrainConfig build(Map<String, Object> v, Map<String, String> origin, Set<String> given, boolean dataRequired) {
        ConfigValues r = new ConfigValues(v, origin);
        List<String> tasks = r.stringList("tasks");
        long steps = r.longIn("steps", 1, Long.MAX_VALUE);
        double lr = r.doubleIn("lr", 1e-9, 1.0);
        Object headLr = v.get("head-lr");
        double headPeak = headLr == null ? lr : r.doubleIn("head-lr", 1e-9, 1.0);
        TrainConfig config = new TrainConfig(
                r.required("model"),
                r.string("revision"),
                // User tasks name their own files: with a task file, a run of them alone needs no data directory
                // (TrainSession asks for one if a task is read by layout).
                r.string("task-file") == null && dataRequired ? r.required("data") : r.string("data"),
                r.string("data-revision"),
                tasks,
                r.string("task-file"),
                steps,
                (int) r.longIn("batch-size", 1, 65536),
                (int) r.longIn("grad-accum", 1, 65536),
                lr,
                headPeak,
                r.doubleIn("loss-weight-lr", 1e-9, 10.0),
                r.doubleIn("layer-lr-decay", 1e-3, 1.0),
                r.doubleIn("weight-decay", 0, 10),
                r.doubleIn("warmup-ratio", 0, 1),
                r.oneOf("schedule", SCHEDULES),
                r.doubleIn("max-grad-norm", 0, 1e9),
                r.doubleIn("adam-beta1", 0, 0.999999),
                r.doubleIn("adam-beta2", 0, 0.999999999),
                r.doubleIn("adam-eps", 1e-20, 1),
                r.oneOf("sampler", SAMPLERS),
                r.doubleIn("temperature", 1e-3, 1e6),
                r.longIn("sampler-cap", 0, Long.MAX_VALUE),
                (int) r.longIn("max-length", 3, 1 << 20), // [CLS] a [SEP] b [SEP]: a pair needs 3 special tokens
                r.oneOf("padding", Set.of("bucketed", "dynamic", "fixed")),
                (int) r.longIn("max-tokens", 0, Integer.MAX_VALUE),
                r.oneOf("head-input", Set.of("pooler", "cls", "mean")),
                (int) r.longIn("freeze-layers", 0, 1000),
                r.bool("freeze-embeddings"),
                r.oneOf("loss-weighting", Set.of("equal", "fixed", "uncertainty")),
                r.doubleMap("task-weights"),
                r.oneOf("mtl", Set.of("plain", "pcgrad")),
                r.oneOf("pcgrad-reduction", Set.of("sum", "mean")),
                r.longIn("eval-every", 0, Long.MAX_VALUE),
                (int) r.longIn("eval-batch-size", 1, 65536),
                r.longIn("max-eval-examples", 0, Long.MAX_VALUE),
                (int) r.longIn("patience", 0, 1_000_000),
                r.longIn("log-every", 1, Long.MAX_VALUE),
                (int) r.longIn("keep-last", 1, 1_000_000),
                r.longIn("save-every", 0, Long.MAX_VALUE),
                r.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
                r.string("device"),
                (int) r.longIn("threads", 0, 4096),
                r.oneOf("precision", Set.of("auto", "fp32", "bf16")),
                r.oneOf("on-bad-row", Set.of("error", "skip")),
                r.oneOf("on-nonfinite", Set.of("error", "skip")),
                (int) r.longIn("max-bad-steps", 1, 1_000_000),
                r.bool("dropout"),
                r.bool("memory-warmup"),
                r.string("cache-dir"));
        if (given.contains("task-weights")) {
            checkTaskWeightsApply(config, origin);
        }
        if (config.lossWeighting().equals("fixed")) {
            for (String t : tasks) {
                if (!config.taskWeights().containsKey(t)) {
                    throw new UserError(origin.get("loss-weighting") + " is fixed, which needs a weight for task " + t
                            + " (task-weights, e.g. --task-weights " + String.join(",", tasks.stream().map(x -> x + "=1").toList()) + ")");
                }
            }
        }
        for (String unused : unusedSettings(config, given, origin)) {
            LOG.warn(unused);
        }
        if (config.mtl().equals("pcgrad") && tasks.size() < 2) {
            throw new UserError(origin.get("mtl") + " is pcgrad, which needs at least two tasks (tasks: " + String.join(",", tasks) + ")");
        }
        return config;
    }

    /**
     * Settings given now that the rest of the config makes moot: accepted (a config file may carry
     * them for other runs), but said, so that nobody believes they took effect.
     */
    static List<String> unusedSettings(TrainConfig c, Set<String> given, Map<String, String> origin) {
        List<String> unused = new ArrayList<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        if (c.data() != null && !"hub".equals(c.data())) {
            reasons.put("data-revision", "only --data hub uses it (data is the directory " + c.data() + ")");
        }
        if (c.patience() > 0 && c.evalEvery() == 0) {
            reasons.put("patience", "early stopping needs evaluations, and eval-every is 0");
        }
        if (!c.sampler().equals("temperature")) {
            reasons.put("temperature", "only the temperature sampler uses it (sampler is " + c.sampler() + ")");
        }
        if (c.samplerCap() > 0 && !c.sampler().equals("proportional")) {
            reasons.put("sampler-cap", "only the proportional sampler uses it (sampler is " + c.sampler() + ")");
        }
        if (!c.mtl().equals("pcgrad")) {
            reasons.put("pcgrad-reduction", "only --mtl pcgrad uses it");
        }
        if (!c.lossWeighting().equals("uncertainty")) {
            reasons.put("loss-weight-lr", "only uncertainty loss weighting uses it");
        }
        reasons.forEach((key, why) -> {
            if (given.contains(key)) {
                unused.add(origin.get(key) + " has no effect: " + why);
            }
        });
        return unused;
    }

    /**
     * Task weights are used only with fixed loss weighting and only for the tasks trained; any
     * other weight would be silently ignored. Checked only where the weights were given now:
     * a saved run or a comparison's single-task baselines inherit them and must still load.
     */
    private static void checkTaskWeightsApply(TrainConfig config, Map<String, String> origin) {
        if (!config.taskWeights().isEmpty() && !config.lossWeighting().equals("fixed")) {
            throw new UserError(origin.get("task-weights") + " needs loss-weighting fixed (" + origin.get("loss-weighting")
                    + " is " + config.lossWeighting() + ")");
        }
        for (String t : config.taskWeights().keySet()) {
            if (!config.tasks().contains(t)) {
                throw new UserError(origin.get("task-weights") + " names " + t + ", which is not among the tasks ("
                        + String.join(", ", config.tasks()) + ")" + Suggestions.didYouMean(t, config.tasks()));
            }
        }
    }
}
