package io.mtl4j.model;

/** A task head's shape: {@code numLabels} logits, or one score for regression. */
public record HeadSpec(String task, int numLabels, boolean regression, java.util.List<String> labelNames) {
    public int outputs() {
        return regression ? 1 : numLabels;
    }
}
