package io.mtl4j.tasks;

/** Whether a task predicts one of a fixed set of labels or a real-valued score. */
public enum ProblemType {
    CLASSIFICATION,
    REGRESSION
}
