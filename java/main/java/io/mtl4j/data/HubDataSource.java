package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code --data hub}: splits are fetched into the hub cache and linked below {@code cacheDir} in the
 * hub's Parquet layout, keyed by the commit of {@code nyu-mll/glue} they come from
 * ({@code cacheDir/<commit>/<task>/<split>-00000-of-00001.parquet}, or each shard
 * {@code <split>-0000i-of-0000n.parquet} of a split the hub publishes in several, under its own name),
 * so two revisions never share a split. The split is then located in {@code cacheDir/<commit>} by
 * {@link SplitLocator}, as in a local {@code --data} directory: shards are read in shard order and
 * hashed as local shards are. Each source asks the fetcher once per split, which looks the revision
 * up again (online) and so sees a moved branch; files already linked for that commit are not placed
 * again, and those missing (a killed run's, or links left dangling by a cleaned hub cache) are.
 */
public final class HubDataSource implements DataSource {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final HubFetcher fetcher;
    private final Path cacheDir;
    private final Map<String, SplitFile> located = new HashMap<>();
    private final Map<String, String> commits = new TreeMap<>();

    public HubDataSource(HubFetcher fetcher, Path cacheDir) {
        this.fetcher = fetcher;
        this.cacheDir = cacheDir;
    }

    @Override
    public synchronized SplitFile locate(TaskSpec task, String split) {
        if (!task.splitFiles().isEmpty()) {
            return new SplitLocator(cacheDir).locate(task, split); // user tasks name their own files
        }
        if (!task.hasSplit(split)) {
            return new SplitLocator(cacheDir).locate(task, split); // reports the unknown split
        }
        String key = task.name() + "/" + split;
        SplitFile known = located.get(key);
        if (known != null) {
            return known;
        }
        SplitFile file;
        try {
            HubFetcher.Fetched fetched = fetcher.fetch(task.name(), split);
            String commit = fetched.commit();
            if (!COMMIT.matcher(commit).matches()) {
                throw new UserError("hub fetch of " + key + " named no commit ('" + commit + "')");
            }
            Path dir = cacheDir.resolve(commit);
            fetched.placeIn(dir.resolve(task.name()));
            commits.put(key, commit);
            file = placed(new SplitLocator(dir), task, split, key);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new MissingSplitError(split, "the hub has no " + key + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot fetch " + key + " from the hub: " + e.getMessage(), e);
        }
        located.put(key, file);
        return file;
    }

    /** The split as placed: a split the fetcher placed no file of is an error, not a missing split to pass over. */
    private static SplitFile placed(SplitLocator placed, TaskSpec task, String split, String key) {
        try {
            return placed.locate(task, split);
        } catch (MissingSplitError e) {
            throw new UserError("hub fetch of " + key + " placed no file: " + e.getMessage(), e);
        }
    }

    /** The commit each split located so far came from, by {@code <task>/<split>}. */
    public synchronized Map<String, String> commits() {
        return Map.copyOf(commits);
    }
}
