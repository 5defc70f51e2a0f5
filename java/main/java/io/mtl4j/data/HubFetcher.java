package io.mtl4j.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Downloads one split from the Hugging Face hub ({@code --data hub}). Implemented by
 * {@code io.mtl4j.hub.GlueHubFetcher}; the data layer only needs the file to appear at {@code target}.
 */
public interface HubFetcher {
    /**
     * Makes sure {@code target} holds the Parquet file of {@code split} of GLUE task
     * {@code task} (hub file {@code nyu-mll/glue/<task>/<split>-00000-of-00001.parquet}, or the rows
     * of its shards {@code <split>-0000i-of-0000n.parquet} in order).
     * Must write atomically (temporary file + rename) so a partial download is never read.
     *
     * @throws java.nio.file.NoSuchFileException if the hub has no such split (reported as a
     *         {@link MissingSplitError})
     */
    void fetch(String task, String split, Path target) throws IOException;
}
