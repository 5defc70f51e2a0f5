package io.mtl4j.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.ParseErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JSON Lines in the Hugging Face {@code datasets} schema: one object per line with the task's
 * text fields and its label field (an id, -1 for unlabeled; label names are accepted too).
 * Other fields are ignored, but for a test split's {@code idx}, the row's own index. Empty lines are not rows and are ignored. A key
 * repeated within an object makes the row bad.
 */
final class JsonlReader implements SplitReader {
    /**
     * A repeated key is a bad row, not a silent "last one wins"; the tree reader checks that at no cost per row.
     * So is a second value after the object (two rows run together): it is not silently dropped.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    @Override
    public List<Example> read(Path file, TaskSpec task, String split, RowErrors errors) throws IOException {
        ExampleBuilder builder = new ExampleBuilder(task, split);
        List<Example> out = new ArrayList<>();
        try (Utf8Lines lines = new Utf8Lines(file)) {
            for (Utf8Lines.Line line; (line = lines.next()) != null; ) {
                if (line.text().isBlank() && line.utf8Error() == null) {
                    continue;
                }
                try {
                    out.add(parse(line, task, builder));
                } catch (BadRow e) {
                    errors.reject(line.number(), e.getMessage());
                }
            }
        }
        return out;
    }

    private static String invalidJson(JsonProcessingException e) {
        int column = ParseErrors.column(e);
        return "invalid JSON" + (column > 0 ? " at column " + column : "") + ": " + ParseErrors.describe(e);
    }

    private static Example parse(Utf8Lines.Line line, TaskSpec task, ExampleBuilder builder) throws BadRow {
        if (line.utf8Error() != null) {
            throw new BadRow(line.utf8Error());
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(line.text());
        } catch (MismatchedInputException e) {
            String duplicate = duplicateKey(line.text());
            throw new BadRow(duplicate != null ? duplicate : invalidJson(e));
        } catch (JsonProcessingException e) {
            throw new BadRow(invalidJson(e));
        }
        if (node == null || !node.isObject()) {
            throw new BadRow("expected a JSON object");
        }
        String a = text(node, task.textFields().get(0));
        String b = task.isPair() ? text(node, task.textFields().get(1)) : null;
        JsonNode idx = builder.readsIndex() ? node.get("idx") : null;
        Object index = idx == null || !idx.isIntegralNumber() || !idx.canConvertToLong() ? null : (Object) idx.longValue();
        return builder.build(a, b, label(node.get(task.labelField())), line.number(), index);
    }

    /** Which key of {@code text} repeats within one object, and where; null if none does. */
    static String duplicateKey(String text) {
        Deque<Set<String>> objects = new ArrayDeque<>();
        try (JsonParser p = MAPPER.createParser(text)) {
            for (JsonToken t; (t = p.nextToken()) != null; ) {
                if (t == JsonToken.START_OBJECT) {
                    objects.push(new HashSet<>());
                } else if (t == JsonToken.END_OBJECT) {
                    objects.pop();
                } else if (t == JsonToken.FIELD_NAME && !objects.peek().add(p.currentName())) {
                    return "duplicate key '" + p.currentName() + "' at column " + p.currentTokenLocation().getColumnNr();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static String text(JsonNode node, String field) throws BadRow {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRow("field '" + field + "' is not a string");
        }
        return v.textValue();
    }

    private static Object label(JsonNode v) throws BadRow {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            // longValue() of an integer beyond the long range wraps around (2^64 + 1 -> 1).
            return v.isIntegralNumber() && v.canConvertToLong() ? (Object) v.longValue() : (Object) v.doubleValue();
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        throw new BadRow("label is neither a number nor a string");
    }
}
