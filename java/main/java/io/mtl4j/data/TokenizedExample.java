package io.mtl4j.data;

/**
 * An example after tokenization (special tokens included, truncated to the max length).
 *
 * @param inputIds     token ids
 * @param tokenTypeIds segment ids (0 for text A, 1 for text B), same length as inputIds
 * @param label        label id, -1 if unlabeled or regression
 * @param score        regression target, NaN otherwise
 */
public record TokenizedExample(int[] inputIds, int[] tokenTypeIds, int label, float score) {
    public TokenizedExample {
        if (inputIds.length != tokenTypeIds.length) {
            throw new IllegalArgumentException("inputIds and tokenTypeIds differ in length: "
                    + inputIds.length + " vs " + tokenTypeIds.length);
        }
    }

    public int length() {
        return inputIds.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedExample t && java.util.Arrays.equals(inputIds, t.inputIds)
                && java.util.Arrays.equals(tokenTypeIds, t.tokenTypeIds) && label == t.label
                && Float.compare(score, t.score) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(inputIds) + label;
    }

    @Override
    public String toString() {
        return "TokenizedExample" + java.util.Arrays.toString(inputIds) + " label=" + label + " score=" + score;
    }
}
