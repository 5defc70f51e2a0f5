package io.mtl4j.bench;

/**
 * Tokenization of one split.
 *
 * @param readSeconds   reading and parsing the data file
 * @param coldSeconds   tokenizing with an empty token cache, including writing the cache file
 * @param cachedSeconds loading the same split from the cache (best of several runs), including
 *                      hashing the data file to check the cache key
 */
public record TokenizationResult(String task, String split, int examples, long tokens, double readSeconds,
                                 double coldSeconds, double cachedSeconds) {
    public double coldExamplesPerSecond() {
        return examples / coldSeconds;
    }

    public double cachedExamplesPerSecond() {
        return examples / cachedSeconds;
    }
}
