package io.mtl4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.util.UserError;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the inputs of {@code encode} and {@code predict}: one example per line.
 * A {@code .jsonl} (or {@code .json}) file holds objects with {@code text_a} and optional {@code text_b}; any other
 * file holds {@code text_a} or {@code text_a<TAB>text_b}, with no header. A UTF-8 byte-order
 * mark at the start is dropped, as the data readers do. Every bad line is an error naming
 * {@code file:line}.
 */
public final class TextPairFile {
    /**
     * A second value after the object (two lines run together) is an error, not silently dropped; so is a key given
     * twice, as in the data readers (no "last one wins").
     */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** One input line; {@code textB} is null for single sentences. */
    public record Pair(String textA, String textB, long line) {
    }

    private TextPairFile() {
    }

    public static List<Pair> read(Path file) {
        return read(file, List.of());
    }

    /**
     * Like {@link #read(Path)}; a JSON line may instead name its texts by {@code taskFields}, a
     * task's own fields (e.g. premise and hypothesis), so a task's data file can be read as is.
     */
    public static List<Pair> read(Path file, List<String> taskFields) {
        return read(file, taskFields, isJsonLines(file));
    }

    /** Like {@link #read(Path, List)}, as JSON lines or not whatever the file's extension. */
    public static List<Pair> read(Path file, List<String> taskFields, boolean jsonl) {
        if (!Files.exists(file)) {
            throw new UserError(file + ": input file not found");
        }
        if (Files.isDirectory(file)) {
            throw new UserError(file + ": is a directory, not an input file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), jsonl, taskFields);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
    }

    /** Whether {@code file} holds JSON objects, by its extension as the data readers decide: .jsonl or .json, any case. */
    public static boolean isJsonLines(Path file) {
        return DataFormat.fromExtension(file).orElse(null) == DataFormat.JSONL;
    }

    public static List<Pair> read(InputStream in, String name, boolean jsonl) throws IOException {
        return read(in, name, jsonl, List.of());
    }

    /** Like {@link #read(InputStream, String, boolean)}; JSON lines may name their texts by {@code taskFields}. */
    public static List<Pair> read(InputStream in, String name, boolean jsonl, List<String> taskFields) throws IOException {
        List<Pair> pairs = new ArrayList<>();
        Lines lines = new Lines(in, name, jsonl, taskFields);
        for (Pair p; (p = lines.next()) != null; ) {
            pairs.add(p);
        }
        return pairs;
    }

    /**
     * The lines of an input one at a time, as they arrive: what {@link #read(InputStream, String, boolean, List)}
     * reads, for a caller that must not wait for the whole input (stdin) or hold it in memory. Each bad line is an
     * error naming {@code name:line} when it is reached; an input without lines, at its end.
     */
    public static final class Lines {
        private final java.io.BufferedInputStream in;
        private final String name;
        private final boolean jsonl;
        private final List<String> taskFields;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private long lineNo;
        private boolean ended;

        public Lines(InputStream in, String name, boolean jsonl, List<String> taskFields) {
            this.in = new java.io.BufferedInputStream(in, 1 << 16);
            this.name = name;
            this.jsonl = jsonl;
            this.taskFields = taskFields;
        }

        /** The next line's pair, blocking until it is complete; null at the end of the input. */
        public Pair next() throws IOException {
            if (ended) {
                return null;
            }
            boolean pending = false;
            while (true) {
                int b = in.read();
                if (b == '\n' || (b < 0 && pending)) {
                    lineNo++;
                    String text = decode(decoder, line.toByteArray(), name, lineNo);
                    line.reset();
                    if (text.endsWith("\r")) {
                        text = text.substring(0, text.length() - 1);
                    }
                    if (lineNo == 1 && text.startsWith("\uFEFF")) {
                        text = text.substring(1);
                    }
                    if (b < 0) {
                        ended = true;
                    }
                    return jsonl ? parseJson(text, name, lineNo, taskFields) : parseTsv(text, name, lineNo);
                } else if (b >= 0) {
                    line.write(b);
                    pending = true;
                } else {
                    ended = true;
                    if (lineNo == 0) {
                        throw new UserError(name + ": input is empty");
                    }
                    return null;
                }
            }
        }

        /** Whether more input can be read now without waiting (for stdin: has it been written yet). */
        public boolean ready() {
            try {
                return !ended && in.available() > 0;
            } catch (IOException e) {
                return false;
            }
        }
    }

    private static String decode(CharsetDecoder decoder, byte[] bytes, String name, long lineNo) {
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw UserError.at(name, lineNo, "invalid UTF-8");
        }
    }

    static Pair parseTsv(String text, String name, long lineNo) {
        String[] fields = text.split("\t", -1);
        if (fields.length > 2) {
            throw UserError.at(name, lineNo, "expected text_a or text_a<TAB>text_b, found " + fields.length + " fields");
        }
        String a = fields[0];
        String b = fields.length == 2 ? fields[1] : null;
        checkText(a, "text_a", name, lineNo);
        if (b != null) {
            checkText(b, "text_b", name, lineNo);
        }
        return new Pair(a, b, lineNo);
    }

    static Pair parseJson(String text, String name, long lineNo) {
        return parseJson(text, name, lineNo, List.of());
    }

    static Pair parseJson(String text, String name, long lineNo, List<String> taskFields) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String duplicate = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException
                    ? JsonlReader.duplicateKey(text) : null;
            throw UserError.at(name, lineNo, duplicate != null ? duplicate
                    : "not valid JSON: " + io.mtl4j.util.ParseErrors.describe(e));
        } catch (IOException e) {
            throw UserError.at(name, lineNo, "not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw UserError.at(name, lineNo, "expected a JSON object with text_a and optional text_b");
        }
        boolean byTaskFields = !node.has("text_a") && !taskFields.isEmpty() && node.has(taskFields.get(0));
        String fieldA = byTaskFields ? taskFields.get(0) : "text_a";
        String fieldB = byTaskFields ? (taskFields.size() > 1 ? taskFields.get(1) : null) : "text_b";
        JsonNode a = node.get(fieldA);
        if (a == null || !a.isTextual()) {
            throw UserError.at(name, lineNo, fieldA + " is missing or not a string"
                    + (byTaskFields || taskFields.isEmpty() ? "" : " (nor is " + taskFields.get(0) + ", the task's own field, there)"));
        }
        JsonNode b = fieldB == null ? null : node.get(fieldB);
        if (b != null && !b.isNull() && !b.isTextual()) {
            throw UserError.at(name, lineNo, fieldB + " is not a string");
        }
        String textB = b == null || b.isNull() ? null : b.asText();
        checkText(a.asText(), fieldA, name, lineNo);
        if (textB != null) {
            checkText(textB, fieldB, name, lineNo);
        }
        return new Pair(a.asText(), textB, lineNo);
    }

    private static void checkText(String text, String field, String name, long lineNo) {
        if (text.isBlank()) {
            throw UserError.at(name, lineNo, "empty " + field);
        }
    }
}
