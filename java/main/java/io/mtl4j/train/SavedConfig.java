package io.mtl4j.train;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The config saved beside a checkpoint, and which changes to it a resumed run accepts. */
public final class SavedConfig {
    /** Keys that may change when resuming: they do not change what is computed. */
    private static final Set<String> RESUMABLE_CHANGES = Set.of("device", "threads", "log-every", "eval-batch-size",
            "cache-dir", "data", "model",
            "memory-warmup", "keep-last", "save-every", "patience");
    /** Config keys naming local files: saved absolute, so a run resumes (and eval finds its data) from any directory. */
    private static final List<String> PATH_KEYS = List.of("model", "data", "task-file", "cache-dir");

    private SavedConfig() {
    }

    /** The config saved with the newest resumable checkpoint of a run. */
    public static TrainConfig ofRun(Path runDir) throws IOException {
        return of(Checkpoints.newestResumable(runDir));
    }

    @SuppressWarnings("unchecked")
    static TrainConfig of(Path checkpoint) {
        Map<String, Object> meta = Checkpoints.readMeta(checkpoint);
        Object config = meta.get("config");
        if (!(config instanceof Map)) {
            throw new UserError(checkpoint.resolve(Checkpoints.META) + ": no saved config");
        }
        return ConfigLoader.fromSaved((Map<String, Object>) config, checkpoint.resolve(Checkpoints.META).toString());
    }

    /** The keys, as "key old -> new", whose change would make a resumed run compute something else. */
    public static List<String> nonResumableChanges(TrainConfig saved, TrainConfig requested) {
        List<String> changed = new ArrayList<>();
        Map<String, Object> a = withAbsolutePaths(saved.toMap());
        Map<String, Object> b = withAbsolutePaths(requested.toMap());
        for (String key : a.keySet()) {
            if (!RESUMABLE_CHANGES.contains(key) && !String.valueOf(a.get(key)).equals(String.valueOf(b.get(key)))) {
                changed.add(key + " " + a.get(key) + " -> " + b.get(key)
                        + (key.equals("steps") ? " (the learning-rate schedule is laid out over the steps; to train on,"
                        + " start a new run with --model RUN/last)" : ""));
            }
        }
        return changed;
    }

    /** The config map with the values of {@link #PATH_KEYS} that name existing local files made absolute. */
    public static Map<String, Object> withAbsolutePaths(Map<String, Object> config) {
        Map<String, Object> out = new LinkedHashMap<>(config);
        for (String key : PATH_KEYS) {
            if (out.get(key) instanceof String value && !value.isBlank() && Files.exists(Path.of(value))) {
                out.put(key, Path.of(value).toAbsolutePath().normalize().toString());
            }
        }
        return out;
    }

    static TrainConfig checkCompatible(TrainConfig saved, TrainConfig requested, Path checkpoint) {
        List<String> changed = nonResumableChanges(saved, requested);
        if (!changed.isEmpty()) {
            throw new UserError("cannot resume " + checkpoint + " with a changed config: " + String.join("; ", changed));
        }
        return requested;
    }
}
