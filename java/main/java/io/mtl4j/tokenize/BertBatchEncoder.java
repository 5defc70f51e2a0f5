package io.mtl4j.tokenize;

import io.mtl4j.data.TokenizedSplits;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * {@link TokenizedSplits.BatchEncoder} over a {@link BertTokenizer}: texts go to
 * {@link BertTokenizer#encodeBatch} (parallel in the native tokenizer) in chunks of
 * {@code chunkSize}, so memory for the native encodings stays bounded and progress can be
 * reported per chunk.
 */
public final class BertBatchEncoder implements TokenizedSplits.BatchEncoder {
    public static final int DEFAULT_CHUNK = 4096;

    private final BertTokenizer tokenizer;
    private final int chunkSize;
    private final IntConsumer progress;

    /** @param progress told how many examples each finished chunk held */
    public BertBatchEncoder(BertTokenizer tokenizer, int chunkSize, IntConsumer progress) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be >= 1: " + chunkSize);
        }
        this.tokenizer = tokenizer;
        this.chunkSize = chunkSize;
        this.progress = progress;
    }

    public BertBatchEncoder(BertTokenizer tokenizer) {
        this(tokenizer, DEFAULT_CHUNK, n -> { });
    }

    @Override
    public List<int[][]> encode(List<String> textsA, List<String> textsBOrNull) {
        List<int[][]> out = new ArrayList<>(textsA.size());
        for (int start = 0; start < textsA.size(); start += chunkSize) {
            int end = Math.min(textsA.size(), start + chunkSize);
            List<String> b = textsBOrNull == null ? null : textsBOrNull.subList(start, end);
            for (Encoding e : tokenizer.encodeBatch(textsA.subList(start, end), b)) {
                out.add(new int[][] {e.inputIds(), e.tokenTypeIds()});
            }
            progress.accept(end - start);
        }
        return out;
    }
}
