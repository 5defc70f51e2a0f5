package io.mtl4j.data;

import io.mtl4j.util.UserError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Applies a {@link BadRowPolicy} to the bad rows of one file and counts them. */
final class RowErrors {
    /** How many skipped-row locations are kept for reporting. */
    static final int KEEP = 5;

    private Path file;
    private final BadRowPolicy policy;
    private long count;
    private final List<String> first = new ArrayList<>();

    RowErrors(Path file, BadRowPolicy policy) {
        this.file = file;
        this.policy = policy;
    }

    /** The file the rows reported next come from (the next shard of a split in several). */
    void readingFrom(Path file) {
        this.file = file;
    }

    /** Throws under ERROR; counts and remembers the location under SKIP. */
    void reject(long line, String reason) {
        UserError e = UserError.at(file, line, reason);
        if (policy == BadRowPolicy.ERROR) {
            throw e;
        }
        count++;
        if (first.size() < KEEP) {
            first.add(e.getMessage());
        }
    }

    SkipReport report() {
        return new SkipReport(count, first);
    }
}
