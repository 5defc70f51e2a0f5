package io.mtl4j.tokenize;

/** Token ids and segment ids of one example, with special tokens, truncated, never padded. */
public record Encoding(int[] inputIds, int[] tokenTypeIds) {
    public int length() {
        return inputIds.length;
    }
}
