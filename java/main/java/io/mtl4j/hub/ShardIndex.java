package io.mtl4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Reads the shard file names from a {@code model.safetensors.index.json} (or {@code pytorch_model.bin.index.json}). */
final class ShardIndex {
    private ShardIndex() {
    }

    /** The distinct values of {@code weight_map}, sorted. */
    static List<String> shards(Path indexFile) {
        return shards(indexFile, ".safetensors");
    }

    /** The distinct values of {@code weight_map}, sorted; each must end in {@code extension}. */
    static List<String> shards(Path indexFile, String extension) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(indexFile.toFile());
        } catch (IOException e) {
            throw new UserError(indexFile + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new UserError(indexFile + ": no \"weight_map\" object listing the shards");
        }
        TreeSet<String> shards = new TreeSet<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            if (!entry.getValue().isTextual() || !entry.getValue().asText().endsWith(extension)) {
                throw new UserError(indexFile + ": weight_map[\"" + entry.getKey()
                        + "\"] is not a " + extension + " file name: " + entry.getValue());
            }
            if (!isPlainFileName(entry.getValue().asText())) {
                // Each shard is written to snapshots/<commit>/<name>: a name with a directory
                // part ("../../x.safetensors", "/x.safetensors") would write outside the cache.
                throw new UserError(indexFile + ": weight_map[\"" + entry.getKey()
                        + "\"] is not a plain file name next to the index: " + entry.getValue());
            }
            shards.add(entry.getValue().asText());
        }
        return new ArrayList<>(shards);
    }

    /** A name without any directory part, usable as one path segment on every platform. */
    static boolean isPlainFileName(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c == ':' || c < 0x20) {
                return false;
            }
        }
        return true;
    }
}
