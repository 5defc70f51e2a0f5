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
 * @param index the row's own index as its file gives it ({@code idx} in the Hugging Face schema,
 *              GLUE's TSV column {@code index}), read in unlabeled (test) splits only, where GLUE
 *              submissions need it; {@link #NO_INDEX} otherwise
 */
public record Example(String textA, String textB, int label, float score, long line, long index) {

    public static final int UNLABELED = -1;
    public static final long NO_INDEX = -1;

    public Example(String textA, String textB, int label, float score, long line) {
        this(textA, textB, label, score, line, NO_INDEX);
    }

    /** True if the row carries a gold label (or score). */
    public boolean isLabeled() {
        return label >= 0 || !Float.isNaN(score);
    }
}
