package io.mtl4j.hub;

import java.nio.file.Path;
import java.util.List;

/** Opens the package-private {@link ShardIndex} to the fuzz targets in io.mtl4j.fuzz. */
public final class ShardIndexAccess {
    private ShardIndexAccess() {
    }

    public static List<String> shards(Path indexFile) {
        return ShardIndex.shards(indexFile);
    }
}
