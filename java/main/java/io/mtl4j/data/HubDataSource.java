package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code --data hub}: splits are fetched into the hub cache and linked below {@code cacheDir} in the
 * hub's Parquet layout, keyed by the commit of {@code nyu-mll/glue} they come from
 * ({@code cacheDir/<commit>/<task>/<split>-00000-of-00001.parquet}), so two revisions never share a
 * split. Each source asks the fetcher once per split, which looks the revision up again (online)
 * and so sees a moved branch; a split already linked for that commit is not placed again.
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
        Path target;
        try {
            HubFetcher.Fetched fetched = fetcher.fetch(task.name(), split);
            String commit = fetched.commit();
            if (!COMMIT.matcher(commit).matches()) {
                throw new UserError("hub fetch of " + key + " named no commit ('" + commit + "')");
            }
            target = cacheDir.resolve(commit).resolve(task.name()).resolve(split + "-00000-of-00001.parquet");
            if (!Files.isRegularFile(target)) {
                Files.createDirectories(target.getParent());
                fetched.placeAt(target);
            }
            commits.put(key, commit);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new MissingSplitError(split, "the hub has no " + key + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot fetch " + key + " from the hub: " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(target)) {
            throw new UserError("hub fetch of " + key + " produced no file at " + target);
        }
        SplitFile file = new SplitFile(target, DataFormat.PARQUET);
        located.put(key, file);
        return file;
    }

    /** The commit each split located so far came from, by {@code <task>/<split>}. */
    public synchronized Map<String, String> commits() {
        return Map.copyOf(commits);
    }
}
