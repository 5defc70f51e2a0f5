package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;

/**
 * Where splits come from. {@link SplitLocator} finds files in a local directory;
 * {@link HubDataSource} fetches them first (through a {@link HubFetcher}) and then locates them
 * in its cache directory.
 */
public interface DataSource {
    /**
     * The file holding {@code split} of {@code task}.
     *
     * @throws io.mtl4j.util.UserError if the task has no such split or no file is found; the
     *         message lists every path looked for
     */
    SplitFile locate(TaskSpec task, String split);
}
