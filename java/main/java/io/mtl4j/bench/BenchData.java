package io.mtl4j.bench;

import io.mtl4j.data.DataSource;
import io.mtl4j.data.DataSources;
import io.mtl4j.hub.DownloadProgress;
import io.mtl4j.hub.Env;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The data options of every bench command ({@code --data}, {@code --data-revision}), read as mtl4j train reads them. */
public final class BenchData {
    @Option(names = "--data", required = true, paramLabel = "DIR|hub",
            description = "Data directory in any supported layout, or 'hub' (nyu-mll/glue on the Hugging Face hub).")
    String data;
    @Option(names = "--data-revision", paramLabel = "REV",
            description = "With --data hub: the revision of nyu-mll/glue (branch, tag or commit) to read. Default: main.")
    String revision;

    /** The source of the data; hub links live below {@code tokenCache}, as for mtl4j train. */
    public DataSource resolve(Path tokenCache) {
        return DataSources.resolve(data, revision, tokenCache, Env.system(), DownloadProgress.none());
    }

    /** These options as command-line arguments, for a bench command run in another process. */
    public List<String> args() {
        List<String> args = new ArrayList<>(List.of("--data", data));
        if (revision != null) {
            args.addAll(List.of("--data-revision", revision));
        }
        return args;
    }

    /**
     * Puts these options into a training config's options map (keys as in a config file), after refusing a
     * revision for a data directory as {@link #resolve} does (mtl4j train only warns: its config file may
     * name a revision that a --data directory on the command line overrides).
     */
    public void putInto(Map<String, Object> options) {
        DataSources.checkRevision(data, revision);
        options.put("data", data);
        if (revision != null) {
            options.put("data-revision", revision);
        }
    }
}
