package io.mtl4j.hub;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the HEAD request on a resolve URL says about a file.
 *
 * @param commit      the {@code X-Repo-Commit} header, if sent
 * @param etag        {@code X-Linked-Etag} (LFS files) else {@code ETag}, unquoted, without {@code W/}
 * @param size        {@code X-Linked-Size} else {@code Content-Length}; -1 if unknown
 * @param contentUrl  where to GET the bytes: the redirect target (LFS store or CDN), else the resolve URL
 * @param lfs         whether the etag came from {@code X-Linked-Etag}
 */
record FileMetadata(Optional<String> commit, String etag, long size, URI contentUrl, boolean lfs) {
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");

    /** The sha256 the content must have: the etag of an LFS file, when it is 64 hex digits. */
    Optional<String> expectedSha256() {
        return lfs && SHA256.matcher(etag).matches() ? Optional.of(etag) : Optional.empty();
    }

    /** Strips {@code W/} and quotes: {@code W/"abc"} becomes {@code abc}. */
    static String normalizeEtag(String raw) {
        String etag = raw.trim();
        if (etag.startsWith("W/")) {
            etag = etag.substring(2);
        }
        if (etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")) {
            etag = etag.substring(1, etag.length() - 1);
        }
        return etag;
    }
}
