package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches a GLUE task's Parquet files from the {@code nyu-mll/glue} dataset repo into the hub
 * cache. The data reader then reads {@link #splitFile}: {@code <snapshot>/<task>/<split>-00000-of-00001.parquet},
 * or, for a split the hub publishes in shards, their rows in shard order ({@link #downloadSplitFiles}).
 * The first split is required (train; AX, the diagnostic set, has only test); the others (test,
 * most often) may be missing.
 *
 * <p>For the CLI: {@code --data hub} goes through {@link GlueHubFetcher}, which fetches one split
 * at a time with {@link #downloadSplitFiles}; {@link #download} fetches a whole task.
 */
public final class GlueHub {
    public static final String REPO = "nyu-mll/glue";

    private static final List<String> STANDARD = List.of("train", "validation", "test");
    private static final Map<String, List<String>> SPLITS = Map.of(
            "cola", STANDARD,
            "sst2", STANDARD,
            "mrpc", STANDARD,
            "qqp", STANDARD,
            "stsb", STANDARD,
            "qnli", STANDARD,
            "rte", STANDARD,
            "wnli", STANDARD,
            "mnli", List.of("train", "validation_matched", "validation_mismatched", "test_matched", "test_mismatched"),
            "ax", List.of("test"));

    private static final Logger LOG = LogManager.getLogger(GlueHub.class);

    private GlueHub() {
    }

    public static Path download(String task, Env env) {
        return download(task, HubClient.DEFAULT_REVISION, HubClient.fromEnv(env));
    }

    /** @return the snapshot directory of {@code nyu-mll/glue} holding {@code <task>/*.parquet} */
    public static Path download(String task, String revision, HubClient client) {
        String name = task.toLowerCase(Locale.ROOT);
        List<String> files = splits(name).stream().map(split -> parquetPath(name, split)).toList();
        return client.downloadFiles(RepoId.dataset(REPO), revision, files.subList(0, 1), files.subList(1, files.size()));
    }

    /**
     * Downloads one split of a task, and nothing else of it (eval of MNLI's dev set need not fetch its
     * train file). A split the hub lacks is a {@link HubFileNotFoundError}.
     *
     * @return the snapshot directory of {@code nyu-mll/glue} holding {@code <task>/<split>-*.parquet}
     */
    public static Path downloadSplit(String task, String split, String revision, HubClient client) {
        return downloadSplitFiles(task, split, revision, client).get(0).getParent().getParent();
    }

    /**
     * Downloads one split of a task: its single file {@code <split>-00000-of-00001.parquet} or, when
     * the hub publishes it in shards ({@code <split>-00000-of-00002.parquet}, ...), every shard, each
     * kept in the hub cache as published. A split the hub lacks is a {@link HubFileNotFoundError};
     * an incomplete set of shards a {@link UserError} naming the missing ones.
     *
     * @return the split's files in the snapshot, in shard order
     */
    public static List<Path> downloadSplitFiles(String task, String split, String revision, HubClient client) {
        String name = task.toLowerCase(Locale.ROOT);
        if (!splits(name).contains(split)) {
            throw new UserError("GLUE task " + name + " has no split " + split + " on the hub; its splits: "
                    + String.join(", ", splits(name)));
        }
        try {
            Path snapshot = client.downloadFiles(RepoId.dataset(REPO), revision, List.of(parquetPath(name, split)), List.of());
            return List.of(snapshot.resolve(parquetPath(name, split)));
        } catch (HubFileNotFoundError e) {
            String commit = e.commit().orElse(revision);
            List<String> shards = shards(e, name, split, commit, client);
            Path snapshot = client.downloadFiles(RepoId.dataset(REPO), commit, shards, List.of());
            return shards.stream().map(snapshot::resolve).toList();
        }
    }

    /**
     * A split the hub lacks as one file may be published in several shards
     * ({@code <split>-00000-of-00002.parquet}, ...): taken for an absent split it would be skipped
     * without a word. Asks the hub for the task's files and returns the split's shards in order;
     * throws {@code notFound} as is when there are none (or the list is not to be had), and a
     * one-line error when some of the shards are missing.
     */
    private static List<String> shards(HubFileNotFoundError notFound, String task, String split, String revision,
                                       HubClient client) {
        Pattern shard = Pattern.compile(Pattern.quote(task + "/" + split) + "-(\\d{5})-of-(\\d{5})\\.parquet");
        List<String> shards;
        try {
            shards = client.listDir(RepoId.dataset(REPO), revision, task).stream()
                    .filter(path -> shard.matcher(path).matches())
                    .sorted()
                    .toList();
        } catch (RuntimeException listing) {
            LOG.debug("cannot list {} of {} at {}: {}", task, REPO, revision, listing.getMessage());
            throw notFound;
        }
        if (shards.isEmpty()) {
            throw notFound;
        }
        Matcher first = shard.matcher(shards.get(0));
        first.matches();
        String total = first.group(2);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(total); i++) {
            expected.add(task + "/" + split + String.format(Locale.ROOT, "-%05d-of-%s.parquet", i, total));
        }
        if (!expected.equals(shards)) {
            List<String> missing = expected.stream().filter(f -> !shards.contains(f)).toList();
            List<String> extra = shards.stream().filter(f -> !expected.contains(f)).toList();
            throw new UserError(REPO + " at revision " + revision + " publishes " + task + "/" + split
                    + " in an incomplete or mixed set of shards (" + String.join(", ", shards) + ")"
                    + (missing.isEmpty() ? "" : "; missing: " + String.join(", ", missing))
                    + (extra.isEmpty() ? "" : "; not of " + total + ": " + String.join(", ", extra)));
        }
        return shards;
    }

    /** The task's splits, train first (AX has only test). */
    public static List<String> splits(String task) {
        List<String> splits = SPLITS.get(task.toLowerCase(Locale.ROOT));
        if (splits == null) {
            throw new UserError("unknown GLUE task '" + task + "'; known: " + String.join(", ",
                    SPLITS.keySet().stream().sorted().toList()));
        }
        return splits;
    }

    public static Path splitFile(Path snapshot, String task, String split) {
        return snapshot.resolve(parquetPath(task.toLowerCase(Locale.ROOT), split));
    }

    private static String parquetPath(String task, String split) {
        return task + "/" + split + "-00000-of-00001.parquet";
    }
}
