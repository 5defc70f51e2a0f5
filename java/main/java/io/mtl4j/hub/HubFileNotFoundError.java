package io.mtl4j.hub;

import io.mtl4j.util.UserError;

import java.util.Optional;

/**
 * The repo exists (or the hub did not say otherwise) but the file does not, at that revision.
 * Callers that treat a file as optional catch this type; every other hub failure is a plain
 * {@link UserError}.
 */
public final class HubFileNotFoundError extends UserError {
    private static final long serialVersionUID = 1L;

    /** The commit the hub resolved the revision to, if it said; lets the cache remember the miss. */
    private final transient String commit;

    HubFileNotFoundError(String message, String commit) {
        super(message);
        this.commit = commit;
    }

    Optional<String> commit() {
        return Optional.ofNullable(commit);
    }
}
