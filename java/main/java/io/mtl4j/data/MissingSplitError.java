package io.mtl4j.data;

import io.mtl4j.util.UserError;

/**
 * No file holds the requested split: nothing at any local path looked for, or the hub has no
 * such file. Callers that treat some splits as optional (e.g. {@code mtl4j data stats}) catch
 * this and nothing else; any other {@link UserError} (unreadable file, bad row, network) stays fatal.
 */
public class MissingSplitError extends UserError {
    private static final long serialVersionUID = 1L;
    private final String split;

    public MissingSplitError(String split, String message) {
        super(message);
        this.split = split;
    }

    public MissingSplitError(String split, String message, Throwable cause) {
        super(message, cause);
        this.split = split;
    }

    /** The split that has no file, e.g. {@code validation}. */
    public String split() {
        return split;
    }
}
