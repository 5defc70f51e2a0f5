package io.mtl4j.data;

import java.util.List;

/**
 * Rows a reader skipped under {@link BadRowPolicy#SKIP}.
 *
 * @param count  how many rows were skipped (every skipped row is counted)
 * @param first  {@code file:line: reason} of the first {@link RowErrors#KEEP} skipped rows
 */
public record SkipReport(long count, List<String> first) {
    public SkipReport {
        first = List.copyOf(first);
    }

    public static SkipReport none() {
        return new SkipReport(0, List.of());
    }
}
