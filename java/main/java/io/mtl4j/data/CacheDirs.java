package io.mtl4j.data;

import io.mtl4j.hub.Env;

import java.nio.file.Path;

/** Where mtl4j keeps its own caches (the Hugging Face hub cache is {@code io.mtl4j.hub.HubConfig}'s business). */
public final class CacheDirs {
    public static final String ENV = "MTL4J_CACHE";

    private CacheDirs() {
    }

    /**
     * The token cache directory: {@code --cache-dir} if given, else {@code $MTL4J_CACHE}, else
     * {@code ~/.cache/mtl4j/tokens}.
     */
    public static Path tokens(Path option, Env env) {
        if (option != null) {
            return option;
        }
        return env.get(ENV).map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".cache", "mtl4j", "tokens"));
    }

    /**
     * Where {@code pytorch_model.bin} weights are kept once converted to safetensors:
     * {@code $MTL4J_CACHE/converted}, else {@code ~/.cache/mtl4j/converted}.
     */
    public static Path convertedWeights(Env env) {
        return env.get(ENV).map(dir -> Path.of(dir, "converted"))
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".cache", "mtl4j", "converted"));
    }

    /**
     * Where {@code --data hub} places its split files (links into the hub cache):
     * {@code <token cache>/hub-data}.
     */
    public static Path hubData(Path tokenCache) {
        return tokenCache.resolve("hub-data");
    }
}
