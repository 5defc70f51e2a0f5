package io.mtl4j.data;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The file formats mtl4j reads. */
public enum DataFormat {
    /** Hugging Face {@code datasets} JSON Lines. */
    JSONL,
    /** Hugging Face hub Parquet. */
    PARQUET,
    /** Original GLUE distribution TSV, with the task's GLUE column names and quirks. */
    GLUE_TSV,
    /** TSV with a header naming the task's fields (user-defined tasks). */
    TSV,
    /** RFC 4180 CSV with a header naming the task's fields. */
    CSV;

    /** The format of a user-supplied file, from its extension. */
    public static Optional<DataFormat> fromExtension(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".jsonl") || n.endsWith(".json")) {
            return Optional.of(JSONL);
        } else if (n.endsWith(".parquet")) {
            return Optional.of(PARQUET);
        } else if (n.endsWith(".tsv")) {
            return Optional.of(TSV);
        } else if (n.endsWith(".csv")) {
            return Optional.of(CSV);
        }
        return Optional.empty();
    }
}
