package io.mtl4j.tasks;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the data layer and the evaluator need to know about one task.
 *
 * @param name         task id, e.g. {@code "mnli"}; also the directory name in the HF layouts
 * @param textFields   one or two column names holding the input text(s), HF schema names for GLUE
 * @param labelNames   label names in id order (label id = index); empty for regression
 * @param problemType  classification or regression
 * @param metrics      metrics to report, first-class citizen of {@link Metric}
 * @param mainMetric   the metric used for model selection; one of {@code metrics}
 * @param splits       split names the task has, e.g. train, validation, test (MNLI:
 *                     validation_matched, validation_mismatched, test_matched, test_mismatched)
 * @param labelField   the column holding the label ({@code "label"} for GLUE in HF schema)
 * @param splitFiles   explicit files per split (user-defined tasks), in declaration order; empty
 *                     for built-in tasks, whose files are found by {@code io.mtl4j.data.SplitLocator}
 */
public record TaskSpec(
        String name,
        List<String> textFields,
        List<String> labelNames,
        ProblemType problemType,
        List<Metric> metrics,
        Metric mainMetric,
        List<String> splits,
        String labelField,
        Map<String, Path> splitFiles) {

    public TaskSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(problemType, "problemType");
        Objects.requireNonNull(mainMetric, "mainMetric");
        Objects.requireNonNull(labelField, "labelField");
        textFields = List.copyOf(textFields);
        labelNames = List.copyOf(labelNames);
        metrics = List.copyOf(metrics);
        splits = List.copyOf(splits);
        // Declaration order, not Map.copyOf's per-JVM order: toString() is part of the token cache key.
        splitFiles = Collections.unmodifiableMap(new LinkedHashMap<>(splitFiles));
        if (textFields.isEmpty() || textFields.size() > 2) {
            throw new IllegalArgumentException(name + ": needs 1 or 2 text fields, got " + textFields);
        }
        if (problemType == ProblemType.CLASSIFICATION && labelNames.size() < 2) {
            throw new IllegalArgumentException(name + ": a classification task needs at least 2 labels");
        }
        if (problemType == ProblemType.REGRESSION && !labelNames.isEmpty()) {
            throw new IllegalArgumentException(name + ": a regression task has no label names");
        }
        if (!metrics.contains(mainMetric)) {
            throw new IllegalArgumentException(name + ": main metric " + mainMetric + " not in " + metrics);
        }
        for (Metric m : metrics) {
            if (m.appliesTo() != problemType) {
                throw new IllegalArgumentException(name + ": metric " + m.id() + " does not apply to "
                        + problemType.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (metrics.contains(Metric.F1) && labelNames.size() > 2) {
            throw new IllegalArgumentException(name + ": metric f1 (of label 1) needs 2 labels, not " + labelNames.size());
        }
        if (splits.isEmpty()) {
            throw new IllegalArgumentException(name + ": no splits");
        }
    }

    /** A built-in task (files located by layout, label column {@code "label"}). */
    static TaskSpec builtin(String name, List<String> textFields, List<String> labelNames,
            ProblemType type, List<Metric> metrics, Metric main, List<String> splits) {
        return new TaskSpec(name, textFields, labelNames, type, metrics, main, splits, "label", Map.of());
    }

    /**
     * A task rebuilt from what a checkpoint recorded of it, when its declaration file is gone: labels, text
     * fields, label field and main metric as trained, the default metrics of its kind besides, and no split
     * files (its splits are located by layout, as a built-in task's).
     */
    public static TaskSpec recorded(String name, List<String> textFields, List<String> labelNames, boolean regression,
                                    Metric main, String labelField) {
        ProblemType type = regression ? ProblemType.REGRESSION : ProblemType.CLASSIFICATION;
        List<Metric> metrics = new java.util.ArrayList<>(List.of(main));
        for (Metric m : regression ? List.of(Metric.PEARSON, Metric.SPEARMAN) : List.of(Metric.ACCURACY)) {
            if (!metrics.contains(m)) {
                metrics.add(m);
            }
        }
        return new TaskSpec(name, textFields, labelNames, type, metrics, main, List.of("train", "validation", "test"),
                labelField, Map.of());
    }

    public boolean isRegression() {
        return problemType == ProblemType.REGRESSION;
    }

    /** True if examples have a second text (sentence pairs). */
    public boolean isPair() {
        return textFields.size() == 2;
    }

    /** Number of output units: label count, or 1 for regression. */
    public int numLabels() {
        return isRegression() ? 1 : labelNames.size();
    }

    public boolean hasSplit(String split) {
        return splits.contains(split);
    }

    /**
     * Test splits carry no gold labels (HF stores label -1 there); every other split must be
     * labeled. The convention is by name: a split is unlabeled iff its name starts with "test".
     */
    public static boolean isLabeledSplit(String split) {
        return !split.startsWith("test");
    }
}
