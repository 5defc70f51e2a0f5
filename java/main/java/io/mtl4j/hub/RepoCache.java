package io.mtl4j.hub;

import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One repo's folder in the Hugging Face hub cache, laid out exactly as {@code huggingface_hub}
 * lays it out, so that either tool reuses the other's downloads:
 *
 * <pre>
 * {hubCache}/models--{org}--{name}/
 *     blobs/{etag}                         file contents, named by etag
 *     blobs/{etag}.incomplete              a download in progress (resumable)
 *     refs/{revision}                      the commit sha a branch or tag resolved to
 *     snapshots/{commit}/{filename}        relative symlink to ../../blobs/{etag}
 *     .no_exist/{commit}/{filename}        empty marker: the file is known not to exist
 * {hubCache}/.locks/models--{org}--{name}/
 *     {etag}.lock                          held while blobs/{etag} is downloaded ({@link BlobLock})
 * </pre>
 */
final class RepoCache {
    private static final Pattern COMMIT_SHA = Pattern.compile("^[0-9a-f]{40}$");

    private final RepoId repo;
    private final Path hubCache;
    private final Path dir;

    RepoCache(Path hubCache, RepoId repo) {
        this.repo = repo;
        this.hubCache = hubCache;
        this.dir = hubCache.resolve(repo.cacheFolderName());
    }

    static boolean isCommitSha(String revision) {
        return COMMIT_SHA.matcher(revision).matches();
    }

    Path dir() {
        return dir;
    }

    Path blob(String etag) {
        return dir.resolve("blobs").resolve(etag);
    }

    Path incompleteBlob(String etag) {
        return dir.resolve("blobs").resolve(etag + ".incomplete");
    }

    /**
     * The lock file held while {@code blobs/{etag}} is written: {@code
     * {hubCache}/.locks/models--{org}--{name}/{etag}.lock}, where {@code huggingface_hub} puts it.
     */
    Path blobLock(String etag) {
        return hubCache.resolve(".locks").resolve(repo.cacheFolderName()).resolve(etag + ".lock");
    }

    Path snapshotDir(String commit) {
        return dir.resolve("snapshots").resolve(commit);
    }

    Path snapshotFile(String commit, String filename) {
        return snapshotDir(commit).resolve(filename);
    }

    Path noExistMarker(String commit, String filename) {
        return dir.resolve(".no_exist").resolve(commit).resolve(filename);
    }

    /** The commit a revision is known to point at: a sha is its own commit, else {@code refs/}. */
    Optional<String> knownCommit(String revision) {
        if (isCommitSha(revision)) {
            return Optional.of(revision);
        }
        Path ref = dir.resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
            if (!isCommitSha(commit)) {
                throw new UserError(ref + ": corrupt hub cache ref (expected a 40-hex commit sha, got '" + commit + "')");
            }
            return Optional.of(commit);
        } catch (IOException e) {
            throw new UncheckedIOException(ref + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Records that {@code revision} resolved to {@code commit}; a sha revision needs no ref. */
    void writeRef(String revision, String commit) {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = dir.resolve("refs").resolve(revision);
        try {
            // An ordinary 0644 file (not its temporary file's 0600): a hub cache may be shared by users.
            AtomicFiles.write(ref, out -> out.write(commit.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(ref + ": cannot write hub cache ref: " + e.getMessage(), e);
        }
    }

    void markMissing(String commit, String filename) {
        Path marker = noExistMarker(commit, filename);
        try {
            Files.createDirectories(marker.getParent());
            if (!Files.exists(marker)) {
                Files.createFile(marker);
            }
        } catch (FileAlreadyExistsException e) {
            // another process (another rank) recorded the same missing file between the look and the create
        } catch (IOException e) {
            throw new UncheckedIOException(marker + ": cannot write: " + e.getMessage(), e);
        }
    }

    /**
     * Points {@code snapshots/{commit}/{filename}} at {@code blobs/{etag}} with a relative
     * symlink; copies the blob where the file system has no symlinks. A link already pointing there
     * is kept; any other is replaced by a rename, so a process reading the snapshot file (another
     * rank that linked it first) never finds it missing.
     */
    Path linkSnapshot(String commit, String filename, String etag) {
        Path link = snapshotFile(commit, filename);
        Path blob = blob(etag);
        try {
            Files.createDirectories(link.getParent());
            Path target = link.getParent().relativize(blob);
            if (Files.isSymbolicLink(link) && target.equals(readLink(link))) {
                return link;
            }
            Path tmp = link.resolveSibling(link.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                    + System.nanoTime());
            try {
                try {
                    Files.createSymbolicLink(tmp, target);
                } catch (UnsupportedOperationException | FileSystemException e) {
                    Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return link;
        } catch (IOException e) {
            throw new UncheckedIOException(link + ": cannot link to " + blob + ": " + e.getMessage(), e);
        }
    }

    private static Path readLink(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException | UnsupportedOperationException e) {
            return null; // gone meanwhile, or not a link: made anew
        }
    }

    @Override
    public String toString() {
        return repo + " cache " + dir;
    }
}
