package io.mtl4j.data;

import io.mtl4j.hub.DownloadProgress;
import io.mtl4j.hub.Env;
import io.mtl4j.hub.GlueHubFetcher;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.Files2;
import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/** Resolves a {@code --data} argument: {@code hub} (nyu-mll/glue on the Hugging Face hub) or a local directory. */
public final class DataSources {
    public static final String HUB = "hub";

    private DataSources() {
    }

    /** @param tokenCache the token cache directory; {@code --data hub} keeps its split links below it */
    public static DataSource resolve(String data, Path tokenCache, Env env, DownloadProgress progress) {
        return resolve(data, null, tokenCache, env, progress);
    }

    /** Refuses a data revision other than {@code main} (or none) for a data directory: only the hub has revisions. */
    public static void checkRevision(String data, String dataRevision) {
        if (!HUB.equals(data) && dataRevision != null && !dataRevision.equals(io.mtl4j.hub.HubClient.DEFAULT_REVISION)) {
            throw new UserError("--data-revision " + dataRevision + " names a revision of nyu-mll/glue on the hub;"
                    + " it applies to --data hub, not to the directory " + data);
        }
    }

    /**
     * The source of {@code tasks}' splits: {@code data} as {@link #resolve} reads it; or, when no data was
     * given (null), only the files user tasks declare, which is an error naming the first task that is read
     * from a data directory.
     */
    public static DataSource forTasks(String data, String dataRevision, Collection<TaskSpec> tasks, Path tokenCache,
                                      Env env, DownloadProgress progress) {
        if (data != null) {
            return resolve(data, dataRevision, tokenCache, env, progress);
        }
        for (TaskSpec task : tasks) {
            if (task.splitFiles().isEmpty()) {
                throw new UserError("missing --data: task " + task.name() + " is read from a data directory;"
                        + " give --data DIR or --data hub");
            }
        }
        return new SplitLocator(Path.of("")); // never asked for a file of its own: user tasks name theirs
    }

    /**
     * @param dataRevision with {@code hub}: the branch, tag or commit of {@code nyu-mll/glue} to read;
     *        null means {@code main}. A revision other than {@code main} with a data directory is an error.
     * @param tokenCache the token cache directory; {@code --data hub} keeps its split links below it
     */
    public static DataSource resolve(String data, String dataRevision, Path tokenCache, Env env, DownloadProgress progress) {
        if (HUB.equals(data)) {
            return new HubDataSource(GlueHubFetcher.fromEnv(env, progress, dataRevision),
                    CacheDirs.hubData(tokenCache));
        }
        checkRevision(data, dataRevision);
        Path dir = Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw new UserError("data directory " + data + (Files.exists(dir) ? " is a file" : " does not exist" + Files2.whereRelative(data))
                    + " (give a directory laid out as DIR/<task>/<split>.jsonl, or 'hub')");
        }
        return new SplitLocator(dir);
    }
}
