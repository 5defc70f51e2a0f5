package io.mtl4j.tasks;

import static io.mtl4j.tasks.Metric.ACCURACY;
import static io.mtl4j.tasks.Metric.F1;
import static io.mtl4j.tasks.Metric.MATTHEWS;
import static io.mtl4j.tasks.Metric.PEARSON;
import static io.mtl4j.tasks.Metric.SPEARMAN;
import static io.mtl4j.tasks.ProblemType.CLASSIFICATION;
import static io.mtl4j.tasks.ProblemType.REGRESSION;

import io.mtl4j.util.Suggestions;
import io.mtl4j.util.UserError;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tasks mtl4j knows: all nine GLUE tasks plus any user-defined tasks loaded from a
 * JSON/YAML declaration file ({@link TaskFileLoader}). Immutable; {@link #withTasksFrom} returns
 * a new registry.
 *
 * <p>GLUE tasks use the schema of the {@code nyu-mll/glue} dataset on the Hugging Face hub:
 * its column names and its label ids. Metrics follow the GLUE paper; the main metric (used for
 * model selection) follows the BERT paper's GLUE table: Matthews correlation for CoLA, F1 for
 * MRPC and QQP, Spearman for STS-B, accuracy for the rest. See docs/data.md.
 */
public final class TaskRegistry {

    private static final List<String> SPLITS = List.of("train", "validation", "test");
    private static final List<String> MNLI_SPLITS = List.of("train", "validation_matched",
            "validation_mismatched", "test_matched", "test_mismatched");
    private static final List<String> NLI2 = List.of("entailment", "not_entailment");
    private static final List<String> NLI3 = List.of("entailment", "neutral", "contradiction");

    private static final List<TaskSpec> GLUE = List.of(
            TaskSpec.builtin("cola", List.of("sentence"), List.of("unacceptable", "acceptable"),
                    CLASSIFICATION, List.of(MATTHEWS, ACCURACY), MATTHEWS, SPLITS),
            TaskSpec.builtin("sst2", List.of("sentence"), List.of("negative", "positive"),
                    CLASSIFICATION, List.of(ACCURACY), ACCURACY, SPLITS),
            TaskSpec.builtin("mrpc", List.of("sentence1", "sentence2"),
                    List.of("not_equivalent", "equivalent"),
                    CLASSIFICATION, List.of(F1, ACCURACY), F1, SPLITS),
            TaskSpec.builtin("qqp", List.of("question1", "question2"),
                    List.of("not_duplicate", "duplicate"),
                    CLASSIFICATION, List.of(F1, ACCURACY), F1, SPLITS),
            TaskSpec.builtin("stsb", List.of("sentence1", "sentence2"), List.of(),
                    REGRESSION, List.of(SPEARMAN, PEARSON), SPEARMAN, SPLITS),
            TaskSpec.builtin("mnli", List.of("premise", "hypothesis"), NLI3,
                    CLASSIFICATION, List.of(ACCURACY), ACCURACY, MNLI_SPLITS),
            TaskSpec.builtin("qnli", List.of("question", "sentence"), NLI2,
                    CLASSIFICATION, List.of(ACCURACY), ACCURACY, SPLITS),
            TaskSpec.builtin("rte", List.of("sentence1", "sentence2"), NLI2,
                    CLASSIFICATION, List.of(ACCURACY), ACCURACY, SPLITS),
            TaskSpec.builtin("wnli", List.of("sentence1", "sentence2"),
                    List.of("not_entailment", "entailment"),
                    CLASSIFICATION, List.of(ACCURACY), ACCURACY, SPLITS));

    /**
     * GLUE's diagnostic set (AX): MNLI's schema and labels, a test split only. It is not a task to
     * train: the leaderboard scores an MNLI model's predictions on it, so it is kept out of the registry.
     */
    private static final TaskSpec DIAGNOSTIC = TaskSpec.builtin("ax", List.of("premise", "hypothesis"), NLI3,
            CLASSIFICATION, List.of(ACCURACY), ACCURACY, List.of("test"));

    private final Map<String, TaskSpec> tasks;

    private TaskRegistry(Map<String, TaskSpec> tasks) {
        this.tasks = tasks;
    }

    /** The nine GLUE tasks. */
    public static TaskRegistry glue() {
        Map<String, TaskSpec> m = new LinkedHashMap<>();
        for (TaskSpec t : GLUE) {
            m.put(t.name(), t);
        }
        return new TaskRegistry(Map.copyOf(m));
    }

    /** GLUE's diagnostic set, AX, predicted with an MNLI head for a leaderboard submission. */
    public static TaskSpec glueDiagnostic() {
        return DIAGNOSTIC;
    }

    /**
     * This registry plus the tasks declared in {@code file} (JSON or YAML, see
     * {@link TaskFileLoader}). A name that is already registered is an error.
     */
    public TaskRegistry withTasksFrom(Path file) {
        Map<String, TaskSpec> m = new LinkedHashMap<>(tasks);
        Map<String, Long> lines = new LinkedHashMap<>();
        for (TaskFileLoader.Declared d : TaskFileLoader.load(file)) {
            if (m.containsKey(d.spec().name())) {
                throw UserError.at(file, d.line(), "task '" + d.spec().name() + "' is already defined");
            }
            m.put(d.spec().name(), d.spec());
            lines.put(d.spec().name(), d.line());
        }
        for (TaskSpec t : m.values()) {
            for (Map.Entry<String, String> e : secondaryDevKeys(t).entrySet()) {
                if (lines.containsKey(e.getKey())) {
                    throw UserError.at(file, lines.get(e.getKey()), "task '" + e.getKey() + "' clashes with the name under which task "
                            + t.name() + "'s " + e.getValue() + " split is scored (eval.json, metrics); choose another name");
                }
            }
        }
        return new TaskRegistry(Map.copyOf(m));
    }

    /**
     * The keys that a task's dev splits other than its first are scored under, each with its split, as
     * {@code io.mtl4j.train.TaskData.resultKey} makes them: {@code mnli-mm} for MNLI's mismatched split,
     * otherwise {@code <task>-<split>}. No other task may be called so, or its scores and these would share a key.
     */
    static Map<String, String> secondaryDevKeys(TaskSpec t) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean first = true;
        for (String split : List.of("validation", "validation_matched", "validation_mismatched")) {
            if (!t.hasSplit(split)) {
                continue;
            }
            if (!first) {
                out.put(t.name().equals("mnli") && split.equals("validation_mismatched") ? "mnli-mm" : t.name() + "-" + split, split);
            }
            first = false;
        }
        return out;
    }

    /** The task called {@code name}; a {@link UserError} listing the known tasks otherwise. */
    public TaskSpec get(String name) {
        TaskSpec t = tasks.get(name);
        if (t == null) {
            throw new UserError("unknown task '" + name + "'" + Suggestions.didYouMean(name, names())
                    + " (known: " + String.join(", ", names()) + ")");
        }
        return t;
    }

    public boolean contains(String name) {
        return tasks.containsKey(name);
    }

    /** Task names, sorted. */
    public List<String> names() {
        return tasks.keySet().stream().sorted().toList();
    }

    public Collection<TaskSpec> all() {
        return names().stream().map(tasks::get).toList();
    }
}
