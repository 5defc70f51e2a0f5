package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code mtl4j data stats} reports about one split.
 *
 * @param split   split name
 * @param rows    examples kept
 * @param labels  examples per label id (as a string, in id order, zeros included); empty for
 *                regression tasks and for unlabeled splits
 * @param tokens  token counts per example
 * @param skipped rows dropped under {@link BadRowPolicy#SKIP}
 */
public record SplitStats(String split, int rows, Map<String, Long> labels, TokenLengthStats tokens, SkipReport skipped) {
    public SplitStats {
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    public static SplitStats of(TaskSpec task, SplitData data, List<TokenizedExample> tokenized) {
        if (tokenized.size() != data.examples().size()) {
            throw new IllegalArgumentException(data.split() + ": " + tokenized.size() + " encodings for "
                    + data.examples().size() + " examples");
        }
        Map<String, Long> labels = new LinkedHashMap<>();
        boolean labeled = data.examples().stream().anyMatch(e -> e.label() >= 0);
        if (!task.isRegression() && labeled) {
            long[] counts = data.labelCounts(task.labelNames().size());
            for (int id = 0; id < counts.length; id++) {
                labels.put(Integer.toString(id), counts[id]);
            }
        }
        return new SplitStats(data.split(), data.examples().size(), labels,
                TokenLengthStats.of(TokenizedSplits.lengths(tokenized)), data.skipped());
    }
}
