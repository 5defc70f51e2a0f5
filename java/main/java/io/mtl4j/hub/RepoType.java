package io.mtl4j.hub;

/** The kinds of hub repository mtl4j reads. */
public enum RepoType {
    MODEL("model", "models", ""),
    DATASET("dataset", "datasets", "datasets/");

    private final String label;
    private final String cachePrefix;
    private final String urlPrefix;

    RepoType(String label, String cachePrefix, String urlPrefix) {
        this.label = label;
        this.cachePrefix = cachePrefix;
        this.urlPrefix = urlPrefix;
    }

    /** "model" or "dataset", for messages. */
    public String label() {
        return label;
    }

    /** "models" or "datasets": the first part of the cache folder name. */
    String cachePrefix() {
        return cachePrefix;
    }

    /** "" or "datasets/": what goes between the endpoint and the repo id in a URL. */
    String urlPrefix() {
        return urlPrefix;
    }
}
