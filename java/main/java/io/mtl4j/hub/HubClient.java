package io.mtl4j.hub;

import io.mtl4j.tokenize.VocabTxtConverter;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Downloads files from a Hugging Face hub into the shared hub cache, like
 * {@code huggingface_hub.hf_hub_download} and {@code snapshot_download}; see {@link HubConfig}
 * for the environment variables it honours and {@link RepoCache} for the cache layout.
 *
 * <p>Online, every file is looked up with one HEAD request even when cached, so a moved branch or
 * tag is followed, as in {@code huggingface_hub}; offline ({@code HF_HUB_OFFLINE=1}), or once the
 * hub was found unreachable (one warning), a file in the cache for the revision
 * ({@code refs/{revision}} plus its snapshot link, or a commit sha revision) is returned without
 * any request.
 *
 * <p>For the CLI: {@code --model <hub id>} goes through {@link ModelSource#resolve}, which
 * calls {@link #downloadModel}; {@code --data hub} goes through {@link GlueHubFetcher} and {@link GlueHub#downloadSplit}. Pass a
 * {@link DownloadProgress} to draw a progress bar. Every failure is a one-line
 * {@link UserError}; a missing file is the subtype {@link HubFileNotFoundError}.
 */
public final class HubClient {
    /** The least time between two progress updates of one file. */
    public static final Duration PROGRESS_INTERVAL = Duration.ofMillis(200);
    public static final String DEFAULT_REVISION = "main";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    /** Older repos' weights, read by {@code io.mtl4j.model.torchbin} when the repo has no safetensors. */
    public static final String BIN_WEIGHTS = "pytorch_model.bin";
    public static final String BIN_WEIGHTS_INDEX = "pytorch_model.bin.index.json";

    private static final Logger LOG = LogManager.getLogger(HubClient.class);

    private final HubConfig config;
    private final HubHttp http;
    private final BlobDownloader downloader;
    /** Set once a lookup found the hub unreachable and fell back on the cache: the rest do too. */
    private volatile boolean hubUnreachable;

    public HubClient(HubConfig config, DownloadProgress progress) {
        this.config = config;
        this.http = new HubHttp(config);
        this.downloader = new BlobDownloader(http, config.readTimeout(), PROGRESS_INTERVAL, progress);
    }

    public HubClient(HubConfig config) {
        this(config, DownloadProgress.none());
    }

    public static HubClient fromEnv(Env env) {
        return new HubClient(HubConfig.from(env));
    }

    public HubConfig config() {
        return config;
    }

    /**
     * One file, like {@code hf_hub_download}.
     *
     * @param revision a branch, tag or commit sha; null means {@code main}
     * @return its path in the snapshot, {@code .../snapshots/{commit}/{filename}}
     */
    public Path downloadFile(RepoType type, String repoId, String revision, String filename) {
        return fetch(new RepoId(type, repoId), orMain(revision), filename).path();
    }

    /**
     * Several files from one commit, like {@code snapshot_download} with {@code allow_patterns}.
     * The first required file resolves the revision to a commit; every other file is fetched at
     * that commit, so the snapshot is consistent even if the branch moves meanwhile.
     *
     * @param required at least one file; a missing one fails the download
     * @param optional files that may be absent from the repo
     * @return the snapshot directory, {@code .../snapshots/{commit}}
     */
    public Path downloadFiles(RepoId repo, String revision, List<String> required, List<String> optional) {
        if (required.isEmpty()) {
            throw new IllegalArgumentException("downloadFiles needs at least one required file");
        }
        CachedFile first = fetch(repo, orMain(revision), required.get(0));
        String commit = first.commit();
        for (String file : required.subList(1, required.size())) {
            fetch(repo, commit, file);
        }
        for (String file : optional) {
            try {
                fetch(repo, commit, file);
            } catch (HubFileNotFoundError e) {
                LOG.info("{} has no {} at {}; skipping it", repo, file, orMain(revision));
            }
        }
        return cache(repo).snapshotDir(commit);
    }

    /**
     * A model for mtl4j: {@code config.json}, {@code tokenizer.json} (or, when the repo has none,
     * {@code vocab.txt} with {@code tokenizer_config.json} and {@code special_tokens_map.json}, as
     * older BERT repos ship) and the weights: {@code model.safetensors}, else
     * {@code model.safetensors.index.json} and every shard it lists, else {@code pytorch_model.bin},
     * else {@code pytorch_model.bin.index.json} and its shards.
     *
     * @param revision a branch, tag or commit sha; null means {@code main}
     * @return the snapshot directory, usable as a local model directory
     */
    public Path downloadModel(String repoId, String revision) {
        RepoId repo = RepoId.model(repoId);
        CachedFile config = fetch(repo, orMain(revision), CONFIG);
        String commit = config.commit();
        fetchTokenizer(repo, commit, orMain(revision));
        fetchWeights(repo, commit, orMain(revision));
        return cache(repo).snapshotDir(commit);
    }

    /** The first of the weight layouts the repo has: a file, or an index and every shard it lists. */
    private void fetchWeights(RepoId repo, String commit, String revision) {
        List<List<String>> layouts = List.of(List.of(WEIGHTS, WEIGHTS_INDEX), List.of(BIN_WEIGHTS, BIN_WEIGHTS_INDEX));
        for (List<String> layout : layouts) {
            try {
                fetch(repo, commit, layout.get(0));
                return;
            } catch (HubFileNotFoundError noSingleFile) {
                LOG.debug("{} has no {} at {}", repo, layout.get(0), revision);
            }
            CachedFile index;
            try {
                index = fetch(repo, commit, layout.get(1));
            } catch (HubFileNotFoundError noIndex) {
                continue;
            }
            String extension = layout.get(0).substring(layout.get(0).lastIndexOf('.'));
            List<String> shards = ShardIndex.shards(index.path(), extension);
            LOG.info("{} is sharded: {} files", repo, shards.size());
            for (String shard : shards) {
                fetch(repo, commit, shard);
            }
            return;
        }
        throw new UserError(repo + " at revision " + revision + " has none of " + WEIGHTS + ", " + WEIGHTS_INDEX + ", "
                + BIN_WEIGHTS + ", " + BIN_WEIGHTS_INDEX + " (mtl4j reads safetensors, or converts a pytorch_model.bin)");
    }

    /**
     * As {@link #downloadModel}, plus the repo's {@code tokenizer_config.json} if it has one: eval and predict
     * truncate a classifier's inputs at its model_max_length, as they do for the same directory on disk.
     */
    public Path downloadClassifier(String repoId, String revision) {
        Path snapshot = downloadModel(repoId, revision);
        String file = io.mtl4j.tokenize.HfTokenizerConfig.FILE_NAME;
        if (!Files.isRegularFile(snapshot.resolve(file))) {
            try {
                fetch(RepoId.model(repoId), snapshot.getFileName().toString(), file);
            } catch (HubFileNotFoundError e) {
                LOG.debug("{} has no {}", repoId, file);
            } catch (UserError e) {
                LOG.warn("{}; inputs are truncated at the model's positions, not at its model_max_length", e.getMessage());
            }
        }
        return snapshot;
    }

    private void fetchTokenizer(RepoId repo, String commit, String revision) {
        try {
            fetch(repo, commit, TOKENIZER);
            return;
        } catch (HubFileNotFoundError noTokenizerJson) {
            LOG.debug("{} has no {} at {}; looking for {}", repo, TOKENIZER, revision, VocabTxtConverter.VOCAB_FILE);
        }
        try {
            fetch(repo, commit, VocabTxtConverter.VOCAB_FILE);
        } catch (HubFileNotFoundError noVocab) {
            throw new UserError(repo + " at revision " + revision + " has neither " + TOKENIZER + " nor "
                    + VocabTxtConverter.VOCAB_FILE + " (mtl4j reads a tokenizer.json, or builds one from a BERT vocab.txt)");
        }
        for (String file : VocabTxtConverter.SETTINGS_FILES) {
            try {
                fetch(repo, commit, file);
            } catch (HubFileNotFoundError e) {
                LOG.debug("{} has no {} at {}", repo, file, revision);
            }
        }
    }

    /**
     * The paths of the files directly in {@code dir} of {@code repo} at {@code revision}, from the
     * hub's tree API. Offline (or once the hub was found unreachable) they are the files of that
     * directory in the cached snapshot of the revision's known commit, i.e. those downloaded before;
     * without one it fails.
     */
    List<String> listDir(RepoId repo, String revision, String dir) {
        if (config.offline() || hubUnreachable) {
            RepoCache cache = cache(repo);
            Optional<String> commit = cache.knownCommit(orMain(revision));
            Path cachedDir = commit.map(c -> cache.snapshotFile(c, dir)).filter(Files::isDirectory).orElse(null);
            if (cachedDir == null) {
                throw new UserError("cannot list " + dir + " of " + repo + ": " + (config.offline()
                        ? "offline mode is on (HF_HUB_OFFLINE=1)" : "the hub is unreachable")
                        + " and the hub cache " + cache.dir() + " has no snapshot of it at revision " + orMain(revision));
            }
            try (var files = Files.list(cachedDir)) {
                return files.filter(Files::isRegularFile).map(f -> dir + "/" + f.getFileName()).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(cachedDir + ": cannot list: " + e.getMessage(), e);
            }
        }
        return http.listDir(repo, orMain(revision), dir);
    }

    /** A file in the cache and the commit it belongs to. */
    record CachedFile(String commit, Path path) {
    }

    CachedFile fetch(RepoId repo, String revision, String filename) {
        FileRef ref = new FileRef(repo, revision, filename);
        RepoCache cache = cache(repo);
        Optional<String> known = cache.knownCommit(revision);
        // Online, every file is looked up (one HEAD): a branch or tag may have moved since it was
        // cached, as huggingface_hub assumes, and the cached blob's size is checked against the
        // hub's. A commit's missing file stays missing, so its remembered miss is trusted.
        boolean cacheOnly = config.offline() || hubUnreachable;
        if (known.isPresent()) {
            Path cached = cache.snapshotFile(known.get(), filename);
            if (cacheOnly && Files.exists(cached)) {
                return new CachedFile(known.get(), cached);
            }
            if ((cacheOnly || RepoCache.isCommitSha(revision)) && Files.exists(cache.noExistMarker(known.get(), filename))) {
                throw new HubFileNotFoundError("file " + filename + " not found in " + repo + " at revision "
                        + revision + " (remembered in the hub cache " + cache.dir() + ")", known.get());
            }
        }
        if (config.offline()) {
            throw new UserError(ref.describe() + " is not in the hub cache " + cache.dir()
                    + (known.isEmpty() && !RepoCache.isCommitSha(revision) ? " (no refs/" + revision + ")" : "")
                    + " and offline mode is on (HF_HUB_OFFLINE=1); unset HF_HUB_OFFLINE to download it");
        }
        FileMetadata meta;
        try {
            meta = http.head(ref);
        } catch (HubFileNotFoundError e) {
            e.commit().ifPresent(commit -> {
                cache.writeRef(ref.revision(), commit);
                cache.markMissing(commit, ref.filename());
            });
            throw e;
        } catch (HubUnreachableError e) {
            Optional<Path> cached = known.map(commit -> cache.snapshotFile(commit, filename)).filter(Files::exists);
            if (cached.isEmpty()) {
                throw e;
            }
            hubUnreachable = true;
            LOG.warn("{}; using {} of {} from the hub cache, at commit {}{}, and the cache only from now on",
                    e.getMessage(), filename, repo, known.get(),
                    RepoCache.isCommitSha(revision) ? "" : " where revision " + revision + " last pointed");
            return new CachedFile(known.get(), cached.get());
        }
        return download(ref, cache, meta);
    }

    private CachedFile download(FileRef ref, RepoCache cache, FileMetadata meta) {
        String commit = meta.commit().filter(RepoCache::isCommitSha).orElseGet(() -> {
            if (RepoCache.isCommitSha(ref.revision())) {
                return ref.revision();
            }
            throw new UserError("the hub at " + http.endpointName() + " sent no valid X-Repo-Commit header for "
                    + ref.describe() + ", so the revision cannot be resolved to a commit; pin a 40-hex commit sha"
                    + " or check HF_ENDPOINT");
        });
        cache.writeRef(ref.revision(), commit);
        Path snapshot = cache.snapshotFile(commit, ref.filename());
        if (Files.exists(snapshot) && hasTheHubsSize(snapshot, meta)) {
            return new CachedFile(commit, snapshot);
        }
        Path blob = cache.blob(meta.etag());
        // Another thread or process may be writing the same blob: hold its lock from the check
        // for an existing blob to the snapshot link, so only one of them downloads it and the
        // others find the finished blob once they get the lock.
        try (BlobLock lock = BlobLock.acquire(cache.blobLock(meta.etag()), ref.describe())) {
            if (Files.isRegularFile(blob) && hasTheHubsSize(blob, meta)) {
                LOG.info("{} of {} is already in the cache as blob {}", ref.filename(), ref.repo(), meta.etag());
            } else {
                if (Files.isRegularFile(blob)) {
                    LOG.warn("{}: the cached blob {} has {} bytes where the hub says {}; downloading it again",
                            ref.describe(), blob, size(blob), meta.size());
                    deleteBlob(blob);
                }
                downloader.download(ref, meta, cache.incompleteBlob(meta.etag()), blob);
            }
            return new CachedFile(commit, cache.linkSnapshot(commit, ref.filename(), meta.etag()));
        }
    }

    /**
     * Whether a cached file has the size the hub gives (or the hub gave none): a cheap check on
     * every online lookup that finds a blob truncated or grown since it was downloaded, where
     * hashing a multi-gigabyte blob on every run would not be cheap.
     */
    private static boolean hasTheHubsSize(Path file, FileMetadata meta) {
        return meta.size() < 0 || size(file) == meta.size();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read its size: " + e.getMessage(), e);
        }
    }

    private static void deleteBlob(Path blob) {
        try {
            Files.delete(blob);
        } catch (IOException e) {
            throw new UncheckedIOException(blob + ": cannot delete the damaged blob: " + e.getMessage(), e);
        }
    }

    private RepoCache cache(RepoId repo) {
        return new RepoCache(config.hubCache(), repo);
    }

    private static String orMain(String revision) {
        return revision == null ? DEFAULT_REVISION : revision;
    }
}
