package io.mtl4j.data;

import java.nio.file.Path;
import java.util.List;

/**
 * The examples of one split, plus what was skipped on the way.
 *
 * @param task     task name
 * @param split    split name (HF names: train, validation, validation_matched, test, ...)
 * @param file       the file read
 * @param fileSha256 hex sha256 of the bytes the examples were read from
 * @param examples   rows kept, in file order
 * @param skipped    rows dropped under {@link BadRowPolicy#SKIP}
 */
public record SplitData(String task, String split, Path file, String fileSha256, List<Example> examples,
                        SkipReport skipped) {
    public SplitData {
        examples = List.copyOf(examples);
    }

    /** Rows per label id ({@code numLabels} entries); unlabeled rows are not counted. */
    public long[] labelCounts(int numLabels) {
        long[] counts = new long[numLabels];
        for (Example e : examples) {
            if (e.label() >= 0) {
                counts[e.label()]++;
            }
        }
        return counts;
    }
}
