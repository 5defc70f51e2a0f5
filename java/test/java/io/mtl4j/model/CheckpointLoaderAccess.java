package io.mtl4j.model;

import java.nio.file.Path;
import java.util.List;

/** Opens the package-private {@code CheckpointLoader.weightFiles} to the fuzz targets in io.mtl4j.fuzz. */
public final class CheckpointLoaderAccess {
    private CheckpointLoaderAccess() {
    }

    public static List<Path> weightFiles(Path modelDir) {
        return CheckpointLoader.weightFiles(modelDir, modelDir.resolve("converted-weights"));
    }
}
