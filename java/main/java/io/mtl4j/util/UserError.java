package io.mtl4j.util;

/**
 * An error caused by the user's input (a file, a flag, a config value). The CLI prints its
 * message as one line, without a stack trace unless --verbose, and exits nonzero.
 * Messages name the file (and line, where there is one) and what is wrong.
 */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }

    /** "file:line: reason", the form every reader uses for a bad row. */
    public static UserError at(Object file, long line, String reason) {
        return new UserError(file + ":" + line + ": " + reason);
    }
}
