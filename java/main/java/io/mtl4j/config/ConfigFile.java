package io.mtl4j.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mtl4j.util.IoErrors;
import io.mtl4j.util.ParseErrors;
import io.mtl4j.util.Suggestions;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A YAML (.yaml/.yml) or JSON config file's values, keys normalised from snake_case to kebab-case,
 * and, for error messages, where each is: "FILE:LINE: key".
 */
record ConfigFile(Map<String, Object> values, Map<String, String> origins) {
    /** Reads {@code file}; a top-level key outside {@code knownKeys} is an error at its line. */
    static ConfigFile read(Path file, Set<String> knownKeys) {
        if (Files.isDirectory(file)) {
            throw new UserError(file + ": a directory, not a config file");
        }
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": config file not found");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        JsonNode root;
        Map<String, Integer> lines;
        try {
            root = mapper.readTree(file.toFile());
            lines = topLevelKeyLines(mapper, file);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 1 ? file.toString() : file + ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new UserError(where + ": cannot parse config: " + ParseErrors.describe(e));
        } catch (IOException e) {
            throw new UserError(file + ": cannot read config: " + IoErrors.reason(e));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new ConfigFile(new LinkedHashMap<>(), Map.of());
        }
        if (!root.isObject()) {
            throw new UserError(file + ": config must be a mapping of keys to values");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = ((ObjectNode) root).fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = e.getKey().replace('_', '-');
            Integer line = lines.get(e.getKey());
            String at = line == null ? file.toString() : file + ":" + line;
            if (!knownKeys.contains(key)) {
                String hint = Suggestions.didYouMean(e.getKey(), knownKeys);
                throw new UserError(at + ": unknown config key \"" + e.getKey() + "\""
                        + (hint.isEmpty() ? " (known: " + String.join(", ", knownKeys) + ")" : hint));
            }
            values.put(key, toJava(e.getValue()));
            origins.put(key, at + ": " + key);
        }
        return new ConfigFile(values, origins);
    }

    /**
     * The line of each top-level key: the tree model keeps no locations, the streaming parser does.
     * A key given twice in one mapping is an error at its second line; the tree would keep the last
     * silently, and batch_size and batch-size are one key. So is a second document (YAML's "---",
     * or a second JSON value): the tree would hold the first only.
     */
    private static Map<String, Integer> topLevelKeyLines(ObjectMapper mapper, Path file) throws IOException {
        Map<String, Integer> lines = new LinkedHashMap<>();
        Deque<Map<String, Integer>> mappings = new ArrayDeque<>();
        boolean rootSeen = false;
        try (JsonParser p = mapper.getFactory().createParser(file.toFile())) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (mappings.isEmpty() && !t.isStructEnd()) {
                    if (rootSeen && t != JsonToken.VALUE_NULL) { // an empty document after it ("---" at the end) is harmless
                        throw new UserError(file + ":" + p.currentTokenLocation().getLineNr()
                                + ": a second document starts here; a config file is one document (one mapping of keys to values)");
                    }
                    rootSeen = true;
                }
                if (t.isStructStart()) {
                    mappings.push(new LinkedHashMap<>());
                } else if (t.isStructEnd()) {
                    mappings.pop();
                } else if (t == JsonToken.FIELD_NAME) {
                    boolean topLevel = mappings.size() == 1;
                    String name = p.currentName();
                    String key = topLevel ? name.replace('_', '-') : name;
                    int line = p.currentTokenLocation().getLineNr();
                    Integer first = mappings.peek().putIfAbsent(key, line);
                    if (first != null) {
                        throw new UserError(file + ":" + line + ": duplicate " + (topLevel ? "config " : "") + "key \"" + name
                                + "\": " + key + " is already set at line " + first);
                    }
                    if (topLevel) {
                        lines.put(name, line);
                    }
                }
            }
        }
        return lines;
    }

    private static Object toJava(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? node.asLong() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(toJava(n)));
            return list;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> map.put(e.getKey(), toJava(e.getValue())));
            return map;
        }
        return null;
    }
}
