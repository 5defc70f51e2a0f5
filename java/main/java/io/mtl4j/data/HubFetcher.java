package io.mtl4j.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Downloads one split from the Hugging Face hub ({@code --data hub}). Implemented by
 * {@code io.mtl4j.hub.GlueHubFetcher}; the data layer only needs to know the commit the split
 * came from and to have its files appear in a directory, under the names the hub gives them.
 */
public interface HubFetcher {
    /**
     * Resolves the fetcher's revision and makes sure the hub cache holds {@code split} of GLUE task
     * {@code task} at the commit it resolves to (hub file
     * {@code nyu-mll/glue/<task>/<split>-00000-of-00001.parquet}, or its shards
     * {@code <split>-0000i-of-0000n.parquet}). Online this asks the hub every time (one request per
     * file), so a moved branch is seen; offline, or once the hub is unreachable, the cache answers.
     *
     * @throws java.nio.file.NoSuchFileException if the hub has no such split (reported as a
     *         {@link MissingSplitError})
     */
    Fetched fetch(String task, String split) throws IOException;

    /** A split in the hub cache. */
    interface Fetched {
        /** The 40-hex commit of {@code nyu-mll/glue} the split was fetched at. */
        String commit();

        /**
         * Makes {@code dir} (created if absent) hold every file of the split under its hub name
         * ({@code <split>-00000-of-00001.parquet}, or each shard {@code <split>-0000i-of-0000n.parquet}),
         * so that {@link SplitLocator} finds the split there as in a local data directory. Files
         * already present are kept, so a split partly placed by a killed run is completed; any other
         * file of the split's layout is removed, so the directory never holds two sets of it. Each file
         * must appear atomically (temporary name + rename) so a partial file is never read.
         */
        void placeIn(Path dir) throws IOException;
    }
}
