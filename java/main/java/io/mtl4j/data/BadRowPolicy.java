package io.mtl4j.data;

import io.mtl4j.util.UserError;
import java.util.Locale;

/** What a reader does with a row it cannot use. */
public enum BadRowPolicy {
    /** Stop at the first bad row with a {@link UserError} naming {@code file:line: reason}. */
    ERROR,
    /** Skip bad rows, count them, and keep the first few locations for the report. */
    SKIP;

    public static BadRowPolicy parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("bad-row policy must be 'error' or 'skip', not '" + s + "'");
        }
    }
}
