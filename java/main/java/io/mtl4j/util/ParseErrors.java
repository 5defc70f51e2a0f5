package io.mtl4j.util;

import com.fasterxml.jackson.core.JsonProcessingException;

/** One-line descriptions of Jackson (JSON and YAML) parse errors, for messages that name file and line. */
public final class ParseErrors {
    private ParseErrors() {
    }

    /**
     * The parser's own sentences without its source excerpts: Jackson appends "[Source: ...]"
     * location blocks, and SnakeYAML interleaves its sentences ("while parsing a flow sequence",
     * "expected ',' or ']'") with indented location and caret lines.
     */
    public static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message == null) {
            return "syntax error";
        }
        if (message.startsWith("Trailing token")) { // FAIL_ON_TRAILING_TOKENS, in Jackson's words
            return "more than one JSON value (a missing line break?)";
        }
        message = message.replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\]\\)", "")
                .replaceAll("\\s*\\[Source:[^\\]]*\\]", "");
        String sentences = String.join(": ", message.lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).toList());
        return sentences.isEmpty() ? "syntax error" : sentences;
    }

    /** The 1-based column of the error, or -1 when the parser did not say. */
    public static int column(JsonProcessingException e) {
        return e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
    }
}
