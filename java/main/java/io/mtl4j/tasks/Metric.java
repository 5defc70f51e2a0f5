package io.mtl4j.tasks;

import io.mtl4j.util.UserError;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Evaluation metrics a task may declare. {@link #id()} is the name used in task files and reports. */
public enum Metric {
    ACCURACY(ProblemType.CLASSIFICATION),
    /** F1 of label 1, as GLUE scores MRPC and QQP; only for tasks with two labels. */
    F1(ProblemType.CLASSIFICATION),
    /** The mean of each label's F1 (id {@code f1_macro}), for tasks with more labels. */
    F1_MACRO(ProblemType.CLASSIFICATION),
    MATTHEWS(ProblemType.CLASSIFICATION),
    PEARSON(ProblemType.REGRESSION),
    SPEARMAN(ProblemType.REGRESSION);

    private final ProblemType appliesTo;

    Metric(ProblemType appliesTo) {
        this.appliesTo = appliesTo;
    }

    /** The problem type this metric is defined for. */
    public ProblemType appliesTo() {
        return appliesTo;
    }

    /** Lower-case name, e.g. {@code "matthews"}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a metric name; {@code where} names the place for the error message. */
    public static Metric parse(String name, String where) {
        for (Metric m : values()) {
            if (m.id().equals(name)) {
                return m;
            }
        }
        throw new UserError(where + ": unknown metric '" + name + "' (known: "
                + Arrays.stream(values()).map(Metric::id).collect(Collectors.joining(", ")) + ")");
    }
}
