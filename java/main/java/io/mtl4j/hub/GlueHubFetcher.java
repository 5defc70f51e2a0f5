package io.mtl4j.hub;

import io.mtl4j.data.HubFetcher;
import io.mtl4j.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The {@link HubFetcher} of {@code --data hub}: downloads the requested split's Parquet file from
 * {@code nyu-mll/glue} into the Hugging Face hub cache ({@link GlueHub#downloadSplit}) and places it
 * at the target path as a symbolic link into that cache (a copy where links are
 * not supported), so the data is stored once. A split the hub publishes in shards is kept in the
 * cache as its shards and placed at the target as one Parquet file of their rows in shard order
 * ({@link ParquetShards}). Links are created under a temporary name and
 * renamed, so the target is never half-written; a link left dangling by a cleaned hub cache no
 * longer counts as a file and the split is fetched again.
 *
 * <p>Files already in the hub cache for the revision are not downloaded again, only looked up
 * (one HEAD request each, so a moved branch is seen; none offline, where the cache's
 * {@code refs/<revision>} names the commit). The revision is {@code --data-revision}, {@code main}
 * by default.
 */
public final class GlueHubFetcher implements HubFetcher {
    private final HubClient client;
    private final String revision;

    public GlueHubFetcher(HubClient client, String revision) {
        this.client = client;
        this.revision = revision == null ? HubClient.DEFAULT_REVISION : revision;
    }

    /** A fetcher for the hub named by the environment ({@code HF_ENDPOINT}, {@code HF_HOME}, ...). */
    public static GlueHubFetcher fromEnv(Env env, DownloadProgress progress) {
        return fromEnv(env, progress, HubClient.DEFAULT_REVISION);
    }

    /** @param revision a branch, tag or commit of {@code nyu-mll/glue}; null means {@code main} */
    public static GlueHubFetcher fromEnv(Env env, DownloadProgress progress, String revision) {
        return new GlueHubFetcher(new HubClient(HubConfig.from(env), progress), revision);
    }

    /** The revision of {@code nyu-mll/glue} this fetcher reads: a branch, tag or commit. */
    public String revision() {
        return revision;
    }

    @Override
    public Fetched fetch(String task, String split) throws IOException {
        List<Path> files;
        try {
            files = GlueHub.downloadSplitFiles(task, split, revision, client);
        } catch (HubFileNotFoundError e) {
            throw new NoSuchFileException(e.getMessage()); // a missing split, which the caller may pass over
        }
        for (Path source : files) {
            if (!Files.isRegularFile(source)) {
                throw new NoSuchFileException(GlueHub.REPO + " at revision " + revision + " has no file "
                        + source.getParent().getFileName() + "/" + source.getFileName());
            }
        }
        // snapshots/<commit>/<task>/<file>
        String commit = files.get(0).getParent().getParent().getFileName().toString();
        return new Fetched() {
            @Override
            public String commit() {
                return commit;
            }

            @Override
            public void placeAt(Path target) throws IOException {
                if (files.size() == 1) {
                    place(files.get(0).toRealPath(), target);
                } else {
                    join(files, target);
                }
            }
        };
    }

    /** Fetches a split and places it at {@code target}, whatever commit it came from. */
    public void fetch(String task, String split, Path target) throws IOException {
        fetch(task, split).placeAt(target);
    }

    /** The rows of a split's shards, in order, written to {@code target} atomically ({@link AtomicFiles}). */
    private static void join(List<Path> shards, Path target) throws IOException {
        removeLeftovers(target);
        AtomicFiles.writePath(target, tmp -> ParquetShards.concat(shards, tmp));
    }

    /**
     * A new temporary name for {@code target}'s link, in its directory (created); first removes the
     * leftovers of runs killed while placing it ({@link #removeLeftovers}).
     */
    private static Path temporaryFor(Path target) throws IOException {
        removeLeftovers(target);
        return target.toAbsolutePath().getParent().resolve(target.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
    }

    /**
     * Removes {@code target}'s temporary files older than {@link AtomicFiles#LEFTOVER_AGE}, left by runs killed while
     * placing it (a sharded split's is a whole Parquet file), which would otherwise stay for ever: those
     * of its link ({@code <target>.tmp-*}) and of its join ({@link AtomicFiles}'s {@code .<target>*.mtl4j-tmp}).
     */
    private static void removeLeftovers(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String link = target.getFileName() + ".tmp-";
        String joined = "." + target.getFileName();
        AtomicFiles.removeLeftovers(dir, name -> name.startsWith(link)
                || name.startsWith(joined) && name.endsWith(AtomicFiles.TEMP_SUFFIX));
    }

    private static void moveInto(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void place(Path source, Path target) throws IOException {
        Path tmp = temporaryFor(target);
        try {
            try {
                Files.createSymbolicLink(tmp, source);
            } catch (UnsupportedOperationException | IOException noLinks) {
                Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            moveInto(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
