package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --data hub}: splits are fetched into {@code cacheDir} in the hub's Parquet layout
 * ({@code cacheDir/<task>/<split>-00000-of-00001.parquet}) on first use, then read from there.
 */
public final class HubDataSource implements DataSource {
    private final HubFetcher fetcher;
    private final Path cacheDir;

    public HubDataSource(HubFetcher fetcher, Path cacheDir) {
        this.fetcher = fetcher;
        this.cacheDir = cacheDir;
    }

    @Override
    public SplitFile locate(TaskSpec task, String split) {
        if (!task.splitFiles().isEmpty()) {
            return new SplitLocator(cacheDir).locate(task, split); // user tasks name their own files
        }
        if (!task.hasSplit(split)) {
            return new SplitLocator(cacheDir).locate(task, split); // reports the unknown split
        }
        Path target = cacheDir.resolve(task.name()).resolve(split + "-00000-of-00001.parquet");
        if (!Files.isRegularFile(target)) {
            try {
                Files.createDirectories(target.getParent());
                fetcher.fetch(task.name(), split, target);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new MissingSplitError(split, "the hub has no " + task.name() + "/" + split + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new UserError("cannot fetch " + task.name() + "/" + split + " from the hub: " + e.getMessage(), e);
            }
        }
        if (!Files.isRegularFile(target)) {
            throw new UserError("hub fetch of " + task.name() + "/" + split + " produced no file at " + target);
        }
        return new SplitFile(target, DataFormat.PARQUET);
    }
}
