package io.mtl4j.bench;

import io.mtl4j.model.BertConfig;

/**
 * Training FLOPs of a BERT encoder step, the usual way of counting them for MFU:
 * <pre>
 *   6 · N · realTokens  +  12 · L · s · h · (B · s)
 * </pre>
 * {@code N} = the non-embedding parameters that every token goes through, i.e. the L encoder
 * layers (Q, K, V, output, intermediate and output dense layers with their biases, two LayerNorms);
 * 6 = 2 FLOPs per multiply-add × (forward + 2 × backward). The attention scores and the weighted
 * sum (QKᵀ and AV, 2·2·s·h FLOPs per token and layer forward, × 3 with backward) are counted on the
 * padded length {@code s} of the batch, since every token attends to all {@code s} positions.
 * Embedding lookups, the pooler and the heads (once per sequence, well under 1%) are not counted.
 */
public final class ModelFlops {
    private ModelFlops() {
    }

    /** Parameters of one encoder layer: 4h² + 4h (attention), 2·h·ff + ff + h (feed-forward), 4h (LayerNorms). */
    public static long layerParameters(long hidden, long intermediate) {
        long attention = 4 * hidden * hidden + 4 * hidden;
        long feedForward = 2 * hidden * intermediate + intermediate + hidden;
        long layerNorms = 2 * 2 * hidden;
        return attention + feedForward + layerNorms;
    }

    public static long nonEmbeddingParameters(int layers, long hidden, long intermediate) {
        return layers * layerParameters(hidden, intermediate);
    }

    public static long nonEmbeddingParameters(BertConfig c) {
        return nonEmbeddingParameters(c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize());
    }

    /**
     * FLOPs of forward + backward over one batch of {@code rows} sequences padded to {@code seqLen},
     * with {@code realTokens} non-padding tokens in all.
     */
    public static double trainingFlops(int layers, long hidden, long intermediate, long rows, long seqLen, long realTokens) {
        double dense = 6.0 * nonEmbeddingParameters(layers, hidden, intermediate) * realTokens;
        double attention = 12.0 * layers * seqLen * hidden * (rows * seqLen);
        return dense + attention;
    }

    public static double trainingFlops(BertConfig c, long rows, long seqLen, long realTokens) {
        return trainingFlops(c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(), rows, seqLen, realTokens);
    }
}
