package io.mtl4j.data;

/**
 * How {@link Batcher} groups and pads examples.
 *
 * @param padding      {@link Padding#DYNAMIC}: pad each batch to its longest example;
 *                     {@link Padding#BUCKETED}: dynamic padding over length-sorted chunks;
 *                     {@link Padding#FIXED}: pad every batch to {@code fixedLength} (the "seed
 *                     recipe" for comparisons)
 * @param batchSize    maximum rows per batch
 * @param maxTokens    maximum padded tokens ({@code rows * seqLen}) per batch, 0 for no budget
 * @param fixedLength  padded length for FIXED (e.g. 128 or 512); ignored otherwise
 * @param chunkBatches BUCKETED: examples are sorted by length within shuffled chunks of
 *                     {@code chunkBatches * batchSize} examples (e.g. 100)
 * @param shuffle      shuffle examples (and, for BUCKETED, the batch order); false keeps file
 *                     order (evaluation)
 * @param padId        the tokenizer's pad token id (0 for BERT)
 */
public record BatchingConfig(Padding padding, int batchSize, int maxTokens, int fixedLength, int chunkBatches,
        boolean shuffle, int padId) {

    public enum Padding { DYNAMIC, BUCKETED, FIXED }

    public BatchingConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1: " + batchSize);
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0: " + maxTokens);
        }
        if (padding == Padding.FIXED && fixedLength < 1) {
            throw new IllegalArgumentException("FIXED padding needs fixedLength >= 1");
        }
        if (chunkBatches < 1) {
            throw new IllegalArgumentException("chunkBatches must be >= 1: " + chunkBatches);
        }
    }

    public static BatchingConfig bucketed(int batchSize) {
        return new BatchingConfig(Padding.BUCKETED, batchSize, 0, 0, 100, true, 0);
    }

    public static BatchingConfig dynamic(int batchSize) {
        return new BatchingConfig(Padding.DYNAMIC, batchSize, 0, 0, 100, true, 0);
    }

    public static BatchingConfig fixed(int batchSize, int length) {
        return new BatchingConfig(Padding.FIXED, batchSize, 0, length, 100, true, 0);
    }

    public BatchingConfig withMaxTokens(int tokens) {
        return new BatchingConfig(padding, batchSize, tokens, fixedLength, chunkBatches, shuffle, padId);
    }

    public BatchingConfig withShuffle(boolean s) {
        return new BatchingConfig(padding, batchSize, maxTokens, fixedLength, chunkBatches, s, padId);
    }
}
