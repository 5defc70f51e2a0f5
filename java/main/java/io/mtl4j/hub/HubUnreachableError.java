package io.mtl4j.hub;

import io.mtl4j.util.UserError;

/**
 * The hub gave no usable answer: no connection, a timeout, a network error or a 5xx. A file
 * already in the cache for a branch or tag is then used as it is, as {@code huggingface_hub}
 * does; authorisation and not-found errors are answers and stay plain {@link UserError}s.
 */
final class HubUnreachableError extends UserError {
    private static final long serialVersionUID = 1L;

    HubUnreachableError(String message, Throwable cause) {
        super(message, cause);
    }

    HubUnreachableError(String message) {
        super(message);
    }
}
