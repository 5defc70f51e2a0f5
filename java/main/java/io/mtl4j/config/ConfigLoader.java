package io.mtl4j.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mtl4j.util.ParseErrors;
import io.mtl4j.util.Suggestions;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link TrainConfig} from defaults, then a YAML or JSON file, then command-line
 * overrides (later wins). Every value is checked; an unknown key or a value out of range is an
 * error naming where it came from.
 */
public final class ConfigLoader {
    /** Every key with its default; null means "required" or "derived". */
    public static final Map<String, Object> DEFAULTS = defaults();

    private static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model", null);
        d.put("revision", "main");
        d.put("data", null);
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
        return read(file).values();
    }

    /** A config file's values and, for error messages, where each is: "FILE:LINE: key". */
    private record ConfigFile(Map<String, Object> values, Map<String, String> origins) {
    }

    private static ConfigFile read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": config file not found");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        JsonNode root;
        Map<String, Integer> lines;
        try {
            root = mapper.readTree(file.toFile());
            lines = topLevelKeyLines(mapper, file);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 1 ? file.toString() : file + ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new UserError(where + ": cannot parse config: " + ParseErrors.describe(e));
        } catch (IOException e) {
            throw new UserError(file + ": cannot read config: " + io.mtl4j.util.IoErrors.reason(e));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new ConfigFile(new LinkedHashMap<>(), Map.of());
        }
        if (!root.isObject()) {
            throw new UserError(file + ": config must be a mapping of keys to values");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = ((ObjectNode) root).fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = e.getKey().replace('_', '-');
            Integer line = lines.get(e.getKey());
            String at = line == null ? file.toString() : file + ":" + line;
            if (!DEFAULTS.containsKey(key)) {
                String hint = Suggestions.didYouMean(e.getKey(), DEFAULTS.keySet());
                throw new UserError(at + ": unknown config key \"" + e.getKey() + "\""
                        + (hint.isEmpty() ? " (known: " + String.join(", ", DEFAULTS.keySet()) + ")" : hint));
            }
            values.put(key, toJava(e.getValue()));
            origins.put(key, at + ": " + key);
        }
        return new ConfigFile(values, origins);
    }

    /**
     * The line of each top-level key: the tree model keeps no locations, the streaming parser does.
     * A key given twice in one mapping is an error at its second line; the tree would keep the last
     * silently, and batch_size and batch-size are one key.
     */
    private static Map<String, Integer> topLevelKeyLines(ObjectMapper mapper, Path file) throws IOException {
        Map<String, Integer> lines = new LinkedHashMap<>();
        Deque<Map<String, Integer>> mappings = new ArrayDeque<>();
        try (JsonParser p = mapper.getFactory().createParser(file.toFile())) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isStructStart()) {
                    mappings.push(new LinkedHashMap<>());
                } else if (t.isStructEnd()) {
                    mappings.pop();
                } else if (t == JsonToken.FIELD_NAME) {
                    boolean topLevel = mappings.size() == 1;
                    String name = p.currentName();
                    String key = topLevel ? name.replace('_', '-') : name;
                    int line = p.currentTokenLocation().getLineNr();
                    Integer first = mappings.peek().putIfAbsent(key, line);
                    if (first != null) {
                        throw new UserError(file + ":" + line + ": duplicate " + (topLevel ? "config " : "") + "key \"" + name
                                + "\": " + key + " is already set at line " + first);
                    }
                    if (topLevel) {
                        lines.put(name, line);
                    }
                }
            }
        }
        return lines;
    }

    private static Object toJava(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? node.asLong() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(toJava(n)));
            return list;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> map.put(e.getKey(), toJava(e.getValue())));
            return map;
        }
        return null;
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
        Set<String> given = new java.util.HashSet<>();
        if (file != null) {
            ConfigFile read = read(file);
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
        return build(merged, origin, given);
    }

    /** Rebuilds a config saved beside a checkpoint (its keys are complete). */
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
        return build(merged, origin, Set.of());
    }

    /** {@code given}: the keys set by this file or command line, not inherited from a saved config. */
    private static TrainConfig build(Map<String, Object> v, Map<String, String> origin, Set<String> given) {
        Values r = new Values(v, origin);
        List<String> tasks = r.stringList("tasks");
        long steps = r.longIn("steps", 1, Long.MAX_VALUE);
        double lr = r.doubleIn("lr", 1e-9, 1.0);
        Object headLr = v.get("head-lr");
        double headPeak = headLr == null ? lr : r.doubleIn("head-lr", 1e-9, 1.0);
        TrainConfig config = new TrainConfig(
                r.required("model"),
                r.string("revision"),
                r.required("data"),
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
                (int) r.longIn("max-length", 2, 1 << 20),
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
                    throw new UserError(origin.get("task-weights") + ": loss-weighting fixed needs a weight for task " + t);
                }
            }
        }
        if (config.mtl().equals("pcgrad") && tasks.size() < 2) {
            throw new UserError(origin.get("mtl") + ": --mtl pcgrad needs at least two tasks");
        }
        return config;
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

    /** Typed reads with errors that say where a value came from. */
    private record Values(Map<String, Object> v, Map<String, String> origin) {
        String required(String key) {
            String s = string(key);
            if (s == null || s.isBlank()) {
                throw new UserError("missing " + key + ": give --" + key + " or set it in the config file");
            }
            return s;
        }

        String string(String key) {
            Object o = v.get(key);
            if (o == null) {
                return null;
            }
            if (o instanceof String s) {
                return s;
            }
            if (o instanceof Number || o instanceof Boolean) {
                return o.toString();
            }
            throw bad(key, "a string", o);
        }

        String oneOf(String key, Set<String> allowed) {
            String s = string(key);
            if (s == null || !allowed.contains(s)) {
                throw new UserError(origin.get(key) + " is " + s + "; expected one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
            return s;
        }

        long longIn(String key, long min, long max) {
            BigInteger value = integer(key);
            if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
                String range = max == Long.MAX_VALUE && min != Long.MIN_VALUE ? "at least " + min : "in [" + min + ", " + max + "]";
                throw new UserError(origin.get(key) + " is " + value + "; must be " + range);
            }
            return value.longValueExact();
        }

        /** Exactly, so that a value past 64 bits is out of range instead of wrapped or clamped. */
        private BigInteger integer(String key) {
            Object o = v.get(key);
            try {
                if (o instanceof BigInteger b) {
                    return b;
                }
                if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
                    return BigInteger.valueOf(((Number) o).longValue());
                }
                if (o instanceof Number n && Double.isFinite(n.doubleValue())) {
                    return new BigDecimal(n.toString()).toBigIntegerExact();
                }
                if (o instanceof String s) {
                    return new BigInteger(s.trim().replace("_", ""));
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // not an integer
            }
            throw bad(key, "an integer", o);
        }

        double doubleIn(String key, double min, double max) {
            Object o = v.get(key);
            double value;
            if (o instanceof Number n) {
                value = n.doubleValue();
            } else if (o instanceof String s) {
                try {
                    value = Double.parseDouble(s.trim());
                } catch (NumberFormatException e) {
                    throw bad(key, "a number", o);
                }
            } else {
                throw bad(key, "a number", o);
            }
            if (!(value >= min && value <= max)) {
                throw new UserError(origin.get(key) + " is " + value + "; must be in [" + min + ", " + max + "]");
            }
            return value;
        }

        boolean bool(String key) {
            Object o = v.get(key);
            if (o instanceof Boolean b) {
                return b;
            }
            if (o instanceof String s && (s.equals("true") || s.equals("false"))) {
                return Boolean.parseBoolean(s);
            }
            throw bad(key, "true or false", o);
        }

        List<String> stringList(String key) {
            Object o = v.get(key);
            List<String> out = new ArrayList<>();
            if (o instanceof String s) {
                for (String part : s.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim().toLowerCase(Locale.ROOT));
                    }
                }
            } else if (o instanceof List<?> list) {
                for (Object item : list) {
                    out.add(String.valueOf(item).trim().toLowerCase(Locale.ROOT));
                }
            } else if (o != null) {
                throw bad(key, "a list of task names", o);
            }
            if (out.isEmpty()) {
                throw new UserError("missing " + key + ": give --" + key + " t1,t2 or list them in the config file");
            }
            if (out.stream().distinct().count() != out.size()) {
                throw new UserError(origin.get(key) + " lists a task twice: " + out);
            }
            return List.copyOf(out);
        }

        /** Task weights from a file's map or a flag's "mnli=1,sst2=0.5"; each must be finite and positive. */
        Map<String, Double> doubleMap(String key) {
            Object o = v.get(key);
            Map<String, Double> out = new LinkedHashMap<>();
            if (o instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getValue() instanceof Number n)) {
                        throw bad(key, "a number per task", e.getKey() + ": " + e.getValue());
                    }
                    putWeight(key, out, String.valueOf(e.getKey()), n.doubleValue());
                }
            } else if (o instanceof String s && !s.isBlank()) {
                for (String part : s.split(",")) {
                    String[] kv = part.split("[=:]", -1);
                    double weight;
                    try {
                        weight = Double.parseDouble(kv[1].trim());
                    } catch (RuntimeException e) {
                        throw bad(key, "task=weight pairs like mnli=1,sst2=0.5", s);
                    }
                    if (kv.length != 2 || kv[0].isBlank()) {
                        throw bad(key, "task=weight pairs like mnli=1,sst2=0.5", s);
                    }
                    putWeight(key, out, kv[0].trim(), weight);
                }
            } else if (o != null && !(o instanceof String)) {
                throw bad(key, "a map of task weights", o);
            }
            return Map.copyOf(out);
        }

        private void putWeight(String key, Map<String, Double> out, String task, double weight) {
            // A negative weight trains the task by gradient ascent, NaN or infinity poisons every step,
            // and 0 spends the task's steps on nothing.
            if (!(Double.isFinite(weight) && weight > 0)) {
                throw bad(key, "finite weights > 0", task + "=" + weight);
            }
            if (out.put(task, weight) != null) {
                throw new UserError(origin.get(key) + " gives task " + task + " two weights");
            }
        }

        private UserError bad(String key, String expected, Object got) {
            return new UserError(origin.get(key) + " must be " + expected + ", got " + got);
        }
    }
}
