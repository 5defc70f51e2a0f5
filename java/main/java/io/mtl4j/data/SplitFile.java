package io.mtl4j.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A located split: the file(s) and how to read them.
 *
 * @param path   the split's file; of a split in several Parquet shards, the first shard
 * @param format how to read it
 * @param shards every file of the split, in the order their rows are read: {@code [path]} for a
 *               split in one file, else the shards {@code <split>-00000-of-0000N.parquet}, ... in order
 */
public record SplitFile(Path path, DataFormat format, List<Path> shards) {
    public SplitFile {
        shards = List.copyOf(shards);
        if (shards.isEmpty() || !shards.get(0).equals(path)) {
            throw new IllegalArgumentException("the first of the shards " + shards + " must be " + path);
        }
    }

    /** A split in one file. */
    public SplitFile(Path path, DataFormat format) {
        this(path, format, List.of(path));
    }

    /** True if the split is read from more than one file. */
    public boolean sharded() {
        return shards.size() > 1;
    }
}
