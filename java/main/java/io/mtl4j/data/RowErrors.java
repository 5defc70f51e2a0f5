package io.mtl4j.data;

import io.mtl4j.util.UserError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Applies a {@link BadRowPolicy} to the bad rows of one file and counts them. */
final class RowErrors {
    /** How many skipped-row locations are kept for reporting. */
    static final int KEEP = 5;

    private final Path file;
    private final BadRowPolicy policy;
    private long count;
    private final List<String> first = new ArrayList<>();

    RowErrors(Path file, BadRowPolicy policy) {
        this.file = file;
        this.policy = policy;
    }

    /** Throws under ERROR; counts and remembers the location under SKIP. */
    void reject(long line, String reason) {
        UserError e = UserError.at(file, line, oneLine(reason));
        if (policy == BadRowPolicy.ERROR) {
            throw e;
        }
        count++;
        if (first.size() < KEEP) {
            first.add(e.getMessage());
        }
    }

    /**
     * {@code reason} with line breaks and other control characters (from the data: a quoted CSV
     * field, a JSON string) escaped, so that the error stays the one line the CLI promises.
     */
    static String oneLine(String reason) {
        StringBuilder out = new StringBuilder(reason.length());
        for (char c : reason.toCharArray()) {
            if (!Character.isISOControl(c) || c == '\t') {
                out.append(c);
            } else {
                out.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    SkipReport report() {
        return new SkipReport(count, first);
    }
}
