package io.mtl4j.hub;

import io.mtl4j.util.UserError;

import java.util.regex.Pattern;

/**
 * A hub repository: its type and its id ({@code name} or {@code org/name}), validated with
 * the rules of {@code huggingface_hub.utils.validate_repo_id}.
 */
public record RepoId(RepoType type, String id) {
    private static final Pattern ID = Pattern.compile("^(\\b[\\w\\-.]+\\b/)?\\b[\\w\\-.]{1,96}\\b$");

    public RepoId {
        if (type == null) {
            throw new IllegalArgumentException("repo type is null");
        }
        if (!isValid(id)) {
            throw new UserError("'" + id + "' is not a valid hub repo id (expected name or org/name: letters, digits,"
                    + " '-', '_', '.', at most 96 characters, no '--' or '..')");
        }
    }

    public static RepoId model(String id) {
        return new RepoId(RepoType.MODEL, id);
    }

    public static RepoId dataset(String id) {
        return new RepoId(RepoType.DATASET, id);
    }

    /** Whether {@code id} is a syntactically valid repo id. */
    public static boolean isValid(String id) {
        return id != null
                && id.chars().filter(c -> c == '/').count() <= 1
                && ID.matcher(id).matches()
                && !id.contains("--")
                && !id.contains("..")
                && !id.endsWith(".git");
    }

    /** The cache folder name, e.g. {@code models--google-bert--bert-base-uncased}. */
    public String cacheFolderName() {
        return type.cachePrefix() + "--" + id.replace("/", "--");
    }

    @Override
    public String toString() {
        return type.label() + " repo " + id;
    }
}
