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

    /**
     * "file:line: reason", the form every reader uses for a bad row. Line breaks and other control
     * characters in {@code reason} (from the data: a quoted CSV field, a JSON string) are escaped,
     * so the error stays the one line the CLI promises.
     */
    public static UserError at(Object file, long line, String reason) {
        return new UserError(file + ":" + line + ": " + escapeControls(reason));
    }

    private static String escapeControls(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (!Character.isISOControl(c) || c == '\t') {
                out.append(c);
            } else {
                out.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }
}
