package io.mtl4j.data;

/**
 * A padded batch as plain arrays, row-major {@code [batchSize * seqLen]}, ready to be wrapped in
 * tensors. Padding positions hold the pad id, token type 0 and attention mask 0.
 *
 * @param inputIds       token ids
 * @param tokenTypeIds   segment ids
 * @param attentionMask  1 for real tokens, 0 for padding
 * @param labels         label id per row (-1 unlabeled / regression)
 * @param scores         regression target per row (NaN for classification)
 * @param exampleIndices index of each row's example in the split (to restore file order)
 * @param batchSize      rows
 * @param seqLen         padded length
 * @param realTokens     non-padding tokens in the batch
 */
public record Batch(long[] inputIds, long[] tokenTypeIds, long[] attentionMask, long[] labels, float[] scores,
        int[] exampleIndices, int batchSize, int seqLen, long realTokens) {

    public long paddedTokens() {
        return (long) batchSize * seqLen;
    }

    /** Real tokens / padded tokens, in (0, 1]. */
    public double paddingEfficiency() {
        return paddedTokens() == 0 ? 1.0 : (double) realTokens / paddedTokens();
    }
}
