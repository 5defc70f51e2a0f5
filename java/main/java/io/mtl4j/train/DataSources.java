package io.mtl4j.train;

import io.mtl4j.data.DataSource;
import io.mtl4j.data.SplitLocator;
import io.mtl4j.hub.Env;
import io.mtl4j.hub.GlueHub;
import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Opens {@code --data}: a local directory in any supported layout, or {@code hub} for nyu-mll/glue. */
public final class DataSources {
    public static final String HUB = "hub";

    private DataSources() {
    }

    public static DataSource open(String data) {
        if (HUB.equals(data)) {
            Map<String, Path> snapshots = new HashMap<>();
            return (task, split) -> new SplitLocator(
                    snapshots.computeIfAbsent(task.name(), t -> GlueHub.download(t, Env.system()))).locate(task, split);
        }
        Path dir = Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw new UserError("--data " + data + ": directory does not exist (give a data directory or 'hub')");
        }
        return new SplitLocator(dir);
    }
}
