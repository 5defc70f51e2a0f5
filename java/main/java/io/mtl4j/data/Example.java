package io.mtl4j.data;

/**
 * One row of a split, as read from disk (before tokenization).
 *
 * @param textA first text, never null or blank
 * @param textB second text for pair tasks, null for single-sentence tasks
 * @param label label id for classification; -1 if unlabeled (test splits) and for regression
 * @param score regression target; NaN for classification and for unlabeled regression rows
 * @param line  1-based line of the row in its file (for Parquet: 1-based row number;
 *              for CSV: the line the record starts on)
 */
public record Example(String textA, String textB, int label, float score, long line) {

    public static final int UNLABELED = -1;

    /** True if the row carries a gold label (or score). */
    public boolean isLabeled() {
        return label >= 0 || !Float.isNaN(score);
    }
}
