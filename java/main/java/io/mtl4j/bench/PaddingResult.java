package io.mtl4j.bench;

/**
 * Padding efficiency (real / padded tokens) of one epoch of a split's batches.
 *
 * @param fixed128 null when an example is longer than 128 tokens (fixed 128 cannot hold it)
 * @param fixed512 null when an example is longer than 512 tokens
 */
public record PaddingResult(String task, String split, int batchSize, double bucketed, double dynamic, Double fixed128,
                            Double fixed512) {
}
