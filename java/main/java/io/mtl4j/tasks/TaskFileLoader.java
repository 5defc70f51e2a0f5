package io.mtl4j.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mtl4j.util.ParseErrors;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads user-defined task declarations from a JSON or YAML file ({@code .json}, {@code .yaml},
 * {@code .yml}). Layout:
 *
 * <pre>
 * tasks:
 *   - name: sentiment            # [a-z0-9_-]+
 *     text_fields: [text]        # 1 or 2 column names
 *     labels: [neg, pos]         # label names in id order ... or: regression: true
 *     metrics: [accuracy, f1]    # optional; default accuracy (classification) or pearson, spearman;
 *                                #   f1 (of label 1) needs 2 labels, f1_macro and matthews take any number
 *     main_metric: f1            # optional; default the first metric
 *     label_field: label         # optional; default "label"
 *     files:                      # split -> file (.jsonl, .csv, .parquet, .tsv with header),
 *       train: data/train.csv     #   relative to this declaration file
 *       validation: data/dev.csv
 * </pre>
 *
 * Every error names {@code file:line} (the line where the offending task starts, or where the
 * parser stopped) and the reason.
 */
public final class TaskFileLoader {

    /** A parsed task with the line its declaration starts on. */
    public record Declared(TaskSpec spec, long line) {}

    /** The raw declaration, as written. */
    record Decl(
            @JsonProperty("name") String name,
            @JsonProperty("text_fields") List<String> textFields,
            @JsonProperty("labels") List<String> labels,
            @JsonProperty("regression") Boolean regression,
            @JsonProperty("metrics") List<String> metrics,
            @JsonProperty("main_metric") String mainMetric,
            @JsonProperty("label_field") String labelField,
            @JsonProperty("files") Map<String, String> files) {}

    private TaskFileLoader() {}

    public static List<Declared> load(Path file) {
        if (Files.isDirectory(file)) {
            throw new UserError(file + ": a directory, not a task file");
        }
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": task file not found");
        }
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        JsonFactory factory;
        if (lower.endsWith(".json")) {
            factory = new JsonFactory();
        } else if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            factory = new YAMLFactory();
        } else {
            throw new UserError(file + ": task file must end in .json, .yaml or .yml");
        }
        // A key given twice (a second 'train' under files, a second 'labels') is an error, not last one wins.
        factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        ObjectMapper mapper = new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        List<Declared> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (JsonParser p = mapper.createParser(file.toFile())) {
            expect(p, p.nextToken() == JsonToken.START_OBJECT, file, "expected a mapping with key 'tasks'");
            expect(p, p.nextToken() == JsonToken.FIELD_NAME && "tasks".equals(p.currentName()), file,
                    "expected the key 'tasks'");
            expect(p, p.nextToken() == JsonToken.START_ARRAY, file, "'tasks' must be a list");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                long line = p.currentTokenLocation().getLineNr();
                Decl d;
                try {
                    d = mapper.readValue(p, Decl.class);
                } catch (JsonMappingException e) {
                    // The parser has read ahead by then; the task's first line is the reliable place,
                    // unless the parser itself failed (a repeated key), where it stood is exact.
                    long at = e.getCause() instanceof JsonParseException cause && cause.getLocation() != null
                            ? cause.getLocation().getLineNr() : line;
                    throw UserError.at(file, at, "invalid task declaration: " + describe(e));
                }
                TaskSpec spec = toSpec(d, file, line);
                if (!seen.add(spec.name())) {
                    throw UserError.at(file, line, "task '" + spec.name() + "' is declared twice");
                }
                out.add(new Declared(spec, line));
            }
            expect(p, p.currentToken() == JsonToken.END_ARRAY, file, "each entry of 'tasks' must be a mapping");
            JsonToken after = p.nextToken();
            expect(p, after == JsonToken.END_OBJECT, file, "unexpected key after 'tasks'");
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw UserError.at(file, line, "invalid task declaration: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
        if (out.isEmpty()) {
            throw new UserError(file + ": declares no tasks");
        }
        return out;
    }

    /** The keys of a task declaration, in the order the docs give them. */
    static final List<String> KEYS = List.of("name", "text_fields", "labels", "regression", "metrics", "main_metric",
            "label_field", "files");

    /**
     * A mapping error in the terms of the task file (its keys and what they hold), not of the Java types it is
     * read into; Jackson's own sentence for anything else.
     */
    static String describe(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String key = u.getPropertyName();
            return "unknown key '" + key + "'" + io.mtl4j.util.Suggestions.didYouMean(key, KEYS)
                    + " (keys: " + String.join(", ", KEYS) + ")";
        }
        List<JsonMappingException.Reference> path = e.getPath();
        if (e instanceof MismatchedInputException && !path.isEmpty() && path.get(0).getFieldName() != null) {
            String key = path.get(0).getFieldName();
            boolean element = path.size() > 1;
            switch (key) {
                case "labels", "text_fields", "metrics" -> {
                    String example = switch (key) {
                        case "labels" -> "[neg, pos]";
                        case "text_fields" -> "[sentence1, sentence2]";
                        default -> "[accuracy, f1]";
                    };
                    return element ? "'" + key + "' must be a list of names, not of lists or mappings"
                            : "'" + key + "' must be a list (e.g. " + example + ")";
                }
                case "files" -> {
                    return "'files' must map each split to one file name (e.g. train: data/train.csv)";
                }
                case "regression" -> {
                    return "'regression' must be true or false";
                }
                case "name", "main_metric", "label_field" -> {
                    return "'" + key + "' must be a single name, not a list or mapping";
                }
                default -> {
                }
            }
        }
        return ParseErrors.describe(e);
    }

    /** A label name's value if it is a plain decimal number (as the data readers take it), else null. */
    private static java.math.BigDecimal number(String name) {
        String t = name.trim();
        if (!t.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
            return null;
        }
        try {
            return new java.math.BigDecimal(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void expect(JsonParser p, boolean ok, Path file, String reason) {
        if (!ok) {
            throw UserError.at(file, p.currentTokenLocation().getLineNr(), reason);
        }
    }

    static TaskSpec toSpec(Decl d, Path file, long line) {
        String where = "task " + (d.name() == null ? "(unnamed)" : "'" + d.name() + "'");
        if (d.name() == null || !d.name().matches("[a-z0-9_-]+")) {
            throw UserError.at(file, line, where + ": 'name' is required and must match [a-z0-9_-]+");
        }
        List<String> text = d.textFields();
        if (text == null || text.isEmpty() || text.size() > 2 || text.stream().anyMatch(s -> s == null || s.isBlank())) {
            throw UserError.at(file, line, where + ": 'text_fields' must list 1 or 2 column names");
        }
        if (text.size() == 2 && text.get(0).equals(text.get(1))) {
            throw UserError.at(file, line, where + ": 'text_fields' names the same column twice");
        }
        boolean regression = Boolean.TRUE.equals(d.regression());
        List<String> labels = d.labels() == null ? List.of() : d.labels();
        if (regression && !labels.isEmpty()) {
            throw UserError.at(file, line, where + ": give either 'labels' or 'regression: true', not both");
        }
        if (!regression) {
            if (labels.size() < 2) {
                throw UserError.at(file, line, where + ": 'labels' must list at least 2 label names (or set 'regression: true')");
            }
            if (new HashSet<>(labels).size() != labels.size() || labels.stream().anyMatch(s -> s == null || s.isBlank())) {
                throw UserError.at(file, line, where + ": 'labels' must be distinct, non-empty names");
            }
            // Data values match a name as text or as a number (3, 3.0 and "3" are the label 3): names that are
            // the same number would make a value mean one label as text and another as a number.
            // Compared as doubles, as the readers compare them (io.mtl4j.data.ExampleBuilder); + 0.0 makes -0 equal 0.
            Map<Double, String> byValue = new LinkedHashMap<>();
            for (String label : labels) {
                java.math.BigDecimal value = number(label);
                if (value != null) {
                    String other = byValue.putIfAbsent(value.doubleValue() + 0.0, label);
                    if (other != null) {
                        throw UserError.at(file, line, where + ": labels '" + other + "' and '" + label + "' are the same number;"
                                + " a value " + value.stripTrailingZeros().toPlainString() + " could mean either");
                    }
                }
            }
        }
        ProblemType type = regression ? ProblemType.REGRESSION : ProblemType.CLASSIFICATION;
        List<Metric> metrics = new ArrayList<>();
        if (d.metrics() == null || d.metrics().isEmpty()) {
            metrics.addAll(regression ? List.of(Metric.PEARSON, Metric.SPEARMAN) : List.of(Metric.ACCURACY));
        } else {
            for (String m : d.metrics()) {
                Metric metric = Metric.parse(String.valueOf(m), file + ":" + line + ": " + where);
                if (metric.appliesTo() != type) {
                    throw UserError.at(file, line, where + ": metric '" + metric.id() + "' does not apply to a "
                            + (regression ? "regression" : "classification") + " task");
                }
                if (metric == Metric.F1 && labels.size() > 2) {
                    throw UserError.at(file, line, where + ": metric 'f1' is the F1 of label 1 alone, for tasks with 2 labels;"
                            + " with " + labels.size() + " labels use f1_macro (the mean F1 over the labels), matthews or accuracy");
                }
                if (!metrics.contains(metric)) {
                    metrics.add(metric);
                }
            }
        }
        Metric main = metrics.get(0);
        if (d.mainMetric() != null) {
            main = Metric.parse(d.mainMetric(), file + ":" + line + ": " + where);
            if (!metrics.contains(main)) {
                throw UserError.at(file, line, where + ": 'main_metric' " + main.id() + " is not in 'metrics'");
            }
        }
        if (d.files() == null || d.files().isEmpty()) {
            throw UserError.at(file, line, where + ": 'files' must map at least one split to a file");
        }
        Path base = file.toAbsolutePath().getParent();
        Map<String, Path> files = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : d.files().entrySet()) {
            if (!e.getKey().matches("[A-Za-z0-9_-]+")) {
                throw UserError.at(file, line, where + ": bad split name '" + e.getKey() + "'");
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw UserError.at(file, line, where + ": split '" + e.getKey() + "' has no file");
            }
            try {
                files.put(e.getKey(), base.resolve(e.getValue()).normalize());
            } catch (java.nio.file.InvalidPathException bad) {
                throw UserError.at(file, line, where + ": split '" + e.getKey() + "': '" + e.getValue()
                        + "' is not a valid file name (" + bad.getReason() + ")");
            }
        }
        if (files.containsKey("dev") && files.keySet().stream().noneMatch(split -> split.startsWith("validation"))) {
            // Training and eval look for 'validation' only: a 'dev' file would silently go unused.
            throw UserError.at(file, line, where + ": split 'dev' would never be evaluated: the dev split is called"
                    + " 'validation' (Hugging Face's name)");
        }
        String labelField = d.labelField() == null ? "label" : d.labelField();
        if (text.contains(labelField)) {
            throw UserError.at(file, line, where + ": label_field '" + labelField + "' is also a text field");
        }
        return new TaskSpec(d.name(), text, labels, type, metrics, main, List.copyOf(files.keySet()),
                labelField, files);
    }
}
