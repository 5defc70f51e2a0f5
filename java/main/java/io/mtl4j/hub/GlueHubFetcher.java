package io.mtl4j.hub;

import io.mtl4j.data.HubFetcher;
import io.mtl4j.data.ParquetShardSet;
import io.mtl4j.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@link HubFetcher} of {@code --data hub}: downloads the requested split's Parquet file from
 * {@code nyu-mll/glue} into the Hugging Face hub cache ({@link GlueHub#downloadSplitFiles}), or every
 * shard of a split the hub publishes in several, and places each file in the target directory under
 * its own name, as a symbolic link into that cache (a copy where links are not supported), so the
 * data is stored once and the directory reads as a local {@code --data} directory of the split.
 * Links are created under a temporary name and renamed, so a file is never half-written; a file
 * already placed is kept, while one missing (a run killed before placing every shard) or a link left
 * dangling by a cleaned hub cache is placed again.
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
            public void placeIn(Path dir) throws IOException {
                placeAll(files, split, dir);
            }
        };
    }

    /**
     * Places each of {@code files} in {@code dir} under its own name unless it is there already (a
     * dangling link is not), then removes the other files of {@code split}'s layout there, which
     * would make a second set of it.
     */
    private static void placeAll(List<Path> files, String split, Path dir) throws IOException {
        Files.createDirectories(dir);
        Set<String> names = new HashSet<>();
        for (Path source : files) {
            Path target = dir.resolve(source.getFileName().toString());
            names.add(target.getFileName().toString());
            if (!Files.isRegularFile(target)) {
                place(source.toRealPath(), target);
            }
        }
        Pattern layout = ParquetShardSet.filesOf(split);
        try (DirectoryStream<Path> others = Files.newDirectoryStream(dir, p -> layout.matcher(p.getFileName().toString())
                .matches() && !names.contains(p.getFileName().toString()))) {
            for (Path other : others) {
                Files.deleteIfExists(other);
            }
        }
    }

    /**
     * A new temporary name for {@code target}'s link, in its directory; first removes the leftovers
     * of runs killed while placing it ({@code <target>.tmp-*} older than {@link AtomicFiles#LEFTOVER_AGE}),
     * which would otherwise stay for ever.
     */
    private static Path temporaryFor(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        String prefix = target.getFileName() + ".tmp-";
        AtomicFiles.removeLeftovers(dir, name -> name.startsWith(prefix));
        return dir.resolve(prefix + ProcessHandle.current().pid() + "-" + System.nanoTime());
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
