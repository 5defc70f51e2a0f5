package io.mtl4j.cli;

import io.mtl4j.data.DataSource;
import io.mtl4j.data.HubDataSource;
import io.mtl4j.data.SplitLocator;
import io.mtl4j.hub.Env;
import io.mtl4j.hub.GlueHubFetcher;
import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a {@code --data} argument: {@code hub} (nyu-mll/glue on the Hugging Face hub) or a local directory. */
public final class DataArgument {
    public static final String HUB = "hub";

    private DataArgument() {
    }

    /** @param tokenCache the token cache directory; {@code --data hub} keeps its split links below it */
    public static DataSource resolve(String data, Path tokenCache, Env env) {
        if (HUB.equals(data)) {
            return new HubDataSource(GlueHubFetcher.fromEnv(env, new ModelArgument.DownloadBars()),
                    CacheDirs.hubData(tokenCache));
        }
        Path dir = Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw new UserError("data directory " + data + " does not exist (give a directory or 'hub')");
        }
        return new SplitLocator(dir);
    }
}
