package io.mtl4j.hub;

import io.mtl4j.util.UserError;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** One file of one repo at one revision (a branch, a tag or a commit sha). */
record FileRef(RepoId repo, String revision, String filename) {

    FileRef {
        checkRevision(revision);
        checkFilename(repo, filename);
    }

    /** {@code {endpoint}/[datasets/]{repo_id}/resolve/{revision}/{filename}}, as huggingface_hub builds it. */
    URI resolveUrl(URI endpoint) {
        return URI.create(endpoint + "/" + repo.type().urlPrefix() + repo.id() + "/resolve/"
                + encode(revision) + "/" + encodePath(filename));
    }

    /** "file config.json in model repo org/name at revision main", for messages. */
    String describe() {
        return "file " + filename + " in " + repo + " at revision " + revision;
    }

    static void checkRevision(String revision) {
        if (revision == null || revision.isBlank() || revision.startsWith("/") || revision.contains("..")
                || revision.contains("\\") || revision.chars().anyMatch(Character::isISOControl)) {
            throw new UserError("'" + revision + "' is not a valid hub revision (a branch, tag or commit sha)");
        }
    }

    static void checkFilename(RepoId repo, String filename) {
        boolean ok = filename != null && !filename.isEmpty() && !filename.startsWith("/") && !filename.contains("\\")
                && filename.chars().noneMatch(Character::isISOControl);
        if (ok) {
            for (String segment : filename.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    ok = false;
                    break;
                }
            }
        }
        if (!ok) {
            throw new UserError(repo + ": '" + filename + "' is not a valid file name in a repo"
                    + " (relative, '/'-separated, no '.' or '..' segments)");
        }
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (String segment : path.split("/")) {
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(encode(segment));
        }
        return out.toString();
    }
}
