package io.mtl4j.hub;

import io.mtl4j.testing.LogCapture;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HubClientTest {
    static final String REPO = "acme/tiny-bert";
    static final String MAIN = "1111111111111111111111111111111111111111";
    static final String V1 = "2222222222222222222222222222222222222222";

    @TempDir
    Path tmp;
    FakeHub hub;
    Path cache;
    byte[] config = "{\"model_type\":\"bert\",\"hidden_size\":8}".getBytes(StandardCharsets.UTF_8);
    byte[] tokenizer = "{\"version\":\"1.0\",\"model\":{}}".getBytes(StandardCharsets.UTF_8);
    byte[] weights = randomBytes(300_000, 1);

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        cache = tmp.resolve("hf/hub");
        hub.put(REPO, MAIN, "config.json", config, false, "main");
        hub.put(REPO, MAIN, "tokenizer.json", tokenizer, false);
        hub.put(REPO, MAIN, "model.safetensors", weights, true);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", hub.endpoint());
        env.put("HF_HOME", tmp.resolve("hf").toString());
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    HubClient client(String... extra) {
        return client(DownloadProgress.none(), extra);
    }

    HubClient client(DownloadProgress progress, String... extra) {
        HubConfig config = HubConfig.from(Env.of(env(extra)))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
        return new HubClient(config, progress);
    }

    @Test
    void downloadLandsInTheHfCacheLayoutAndIsReusedWithoutNetwork() throws IOException {
        Path snapshot = client().downloadModel(REPO, null);

        Path repoDir = cache.resolve("models--acme--tiny-bert");
        assertEquals(repoDir.resolve("snapshots").resolve(MAIN), snapshot);
        assertEquals(MAIN, Files.readString(repoDir.resolve("refs/main")));
        String weightsSha = Hashing.sha256Hex(weights);
        assertEquals(Path.of("../../blobs/" + weightsSha), Files.readSymbolicLink(snapshot.resolve("model.safetensors")));
        assertEquals(Path.of("../../blobs/" + FakeHub.gitBlobSha1(config)),
                Files.readSymbolicLink(snapshot.resolve("config.json")));
        assertEquals(Path.of("../../blobs/" + FakeHub.gitBlobSha1(tokenizer)),
                Files.readSymbolicLink(snapshot.resolve("tokenizer.json")));
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertArrayEquals(config, Files.readAllBytes(snapshot.resolve("config.json")));
        try (Stream<Path> blobs = Files.list(repoDir.resolve("blobs"))) {
            assertEquals(List.of(FakeHub.gitBlobSha1(config), FakeHub.gitBlobSha1(tokenizer), weightsSha).stream()
                    .sorted().toList(), blobs.map(p -> p.getFileName().toString()).sorted().toList());
        }

        int requests = hub.requests().size();
        assertEquals(snapshot, client().downloadModel(REPO, null));
        assertEquals(List.of("HEAD /acme/tiny-bert/resolve/main/config.json",
                        "HEAD /acme/tiny-bert/resolve/" + MAIN + "/tokenizer.json",
                        "HEAD /acme/tiny-bert/resolve/" + MAIN + "/model.safetensors"), requestsSince(requests),
                "a second download looks each file up (where main points, the size); the files come from the cache");
    }

    /** Each request after the first {@code skip}, as "METHOD path". */
    List<String> requestsSince(int skip) {
        return hub.requests().stream().skip(skip).map(r -> r.method() + " " + r.path()).toList();
    }

    @Test
    void aBranchThatMovedIsFollowedAsHuggingfaceHubDoes() throws IOException {
        Path old = client().downloadModel(REPO, null);
        byte[] newWeights = randomBytes(1000, 7);
        hub.put(REPO, V1, "config.json", config, false, "main");
        hub.put(REPO, V1, "tokenizer.json", tokenizer, false);
        hub.put(REPO, V1, "model.safetensors", newWeights, true);

        Path moved = client().downloadModel(REPO, null);
        Path repoDir = cache.resolve("models--acme--tiny-bert");
        assertEquals(repoDir.resolve("snapshots").resolve(V1), moved);
        assertEquals(V1, Files.readString(repoDir.resolve("refs/main")));
        assertArrayEquals(newWeights, Files.readAllBytes(moved.resolve("model.safetensors")));
        assertArrayEquals(weights, Files.readAllBytes(old.resolve("model.safetensors")), "the old snapshot stays");
    }

    @Test
    void aBranchMovingBetweenLookupAndDownloadDoesNotMixCommits() throws IOException {
        // A non-LFS file was looked up at main (commit, etag) but its bytes fetched from
        // resolve/main again: if main moved in between, the new commit's content was stored as the
        // old commit's blob and snapshot, without any check catching it.
        byte[] newConfig = "{\"model_type\":\"bert\",\"hidden_size\":9}".getBytes(StandardCharsets.UTF_8);
        assertEquals(config.length, newConfig.length);
        hub.afterNextHead = () -> hub.put(REPO, V1, "config.json", newConfig, false, "main");

        Path file = client().downloadFile(RepoType.MODEL, REPO, null, "config.json");

        assertEquals(cache.resolve("models--acme--tiny-bert/snapshots").resolve(MAIN).resolve("config.json"), file);
        assertArrayEquals(config, Files.readAllBytes(file), "the content of the commit the lookup resolved");
        assertEquals(FakeHub.gitBlobSha1(config), file.toRealPath().getFileName().toString());
    }

    @Test
    void aCachedBlobOfTheWrongSizeIsDownloadedAgain() throws IOException {
        Path snapshot = client().downloadModel(REPO, null);
        Path blob = cache.resolve("models--acme--tiny-bert/blobs/" + Hashing.sha256Hex(weights));
        try (var channel = java.nio.channels.FileChannel.open(blob, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(1000);
        }
        int requests = hub.requests().size();

        StringWriter log = new StringWriter();
        try (AutoCloseable capture = LogCapture.into(log)) {
            assertEquals(snapshot, client().downloadModel(REPO, null));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertTrue(log.toString().contains("has 1000 bytes where the hub says " + weights.length
                + "; downloading it again"), log.toString());
        assertEquals(1, hub.requests().stream().skip(requests).filter(r -> r.isCdn() && r.method().equals("GET")).count(),
                "only the damaged blob is fetched again: " + requestsSince(requests));
    }

    @Test
    void anUnreachableHubFallsBackToWhereTheBranchLastPointed() throws IOException {
        Path snapshot = client().downloadModel(REPO, null);
        hub.close();

        StringWriter log = new StringWriter();
        try (AutoCloseable capture = LogCapture.into(log)) {
            assertEquals(snapshot, client().downloadModel(REPO, null));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertTrue(log.toString().contains("cannot connect to " + hub.endpoint()), log.toString());
        assertTrue(log.toString().contains("using config.json of model repo acme/tiny-bert from the hub cache, at commit " + MAIN
                + " where revision main last pointed, and the cache only from now on"), log.toString());
        assertEquals(1, log.toString().split("cannot connect", -1).length - 1, "one failed lookup, not one per file: " + log);

        UserError notCached = assertThrows(UserError.class, () -> client().downloadModel("acme/other", null));
        assertTrue(notCached.getMessage().contains("cannot connect"), notCached.getMessage());
    }

    @Test
    void lfsFilesAreFetchedFromTheRedirectTarget() {
        client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");
        List<FakeHub.Request> requests = hub.requests();
        assertEquals(2, requests.size(), requests.toString());
        assertEquals("HEAD", requests.get(0).method());
        assertTrue(requests.get(0).path().endsWith("/acme/tiny-bert/resolve/main/model.safetensors"));
        assertEquals("GET", requests.get(1).method());
        assertTrue(requests.get(1).isCdn(), requests.toString());
    }

    @Test
    void pinnedRevisionsGetTheirOwnRefAndSnapshot() throws IOException {
        byte[] oldConfig = "{\"old\":true}".getBytes(StandardCharsets.UTF_8);
        hub.put(REPO, V1, "config.json", oldConfig, false, "v1.0");

        Path tagged = client().downloadFile(RepoType.MODEL, REPO, "v1.0", "config.json");
        Path repoDir = cache.resolve("models--acme--tiny-bert");
        assertEquals(repoDir.resolve("snapshots/" + V1 + "/config.json"), tagged);
        assertEquals(V1, Files.readString(repoDir.resolve("refs/v1.0")));
        assertArrayEquals(oldConfig, Files.readAllBytes(tagged));
        assertFalse(Files.exists(repoDir.resolve("refs/main")));

        Path bySha = client().downloadFile(RepoType.MODEL, REPO, MAIN, "config.json");
        assertEquals(repoDir.resolve("snapshots/" + MAIN + "/config.json"), bySha);
        assertArrayEquals(config, Files.readAllBytes(bySha));
        assertFalse(Files.exists(repoDir.resolve("refs/" + MAIN)), "a sha revision needs no ref");

        int requests = hub.requests().size();
        client().downloadFile(RepoType.MODEL, REPO, MAIN, "config.json");
        client().downloadFile(RepoType.MODEL, REPO, "v1.0", "config.json");
        assertEquals(List.of("HEAD /acme/tiny-bert/resolve/" + MAIN + "/config.json",
                "HEAD /acme/tiny-bert/resolve/v1.0/config.json"), requestsSince(requests),
                "looked up, not downloaded again");
    }

    @Test
    void tokenGoesToTheEndpointButNotToTheCdnHost() {
        hub.requiredToken = "hf_secret";
        client("HF_TOKEN", "hf_secret").downloadModel(REPO, null);

        List<FakeHub.Request> requests = hub.requests();
        assertTrue(requests.stream().anyMatch(FakeHub.Request::isCdn), requests.toString());
        for (FakeHub.Request r : requests) {
            if (r.isCdn()) {
                assertTrue(r.host().startsWith("127.0.0.1:"), r.toString());
                assertNull(r.authorization(), "token leaked to the CDN: " + r);
            } else {
                assertTrue(r.host().startsWith("localhost:"), r.toString());
                assertEquals("Bearer hf_secret", r.authorization(), r.toString());
            }
        }
    }

    @Test
    void tokenIsReadFromTheTokenFileInHfHome() throws IOException {
        hub.requiredToken = "hf_from_file";
        Files.createDirectories(tmp.resolve("hf"));
        Files.writeString(tmp.resolve("hf/token"), "hf_from_file\n");
        Path file = client().downloadFile(RepoType.MODEL, REPO, null, "config.json");
        assertArrayEquals(config, Files.readAllBytes(file));
    }

    @Test
    void missingTokenGivesA401NamingHfToken() {
        hub.requiredToken = "hf_secret";
        UserError e = assertThrows(UserError.class, () -> client().downloadModel(REPO, null));
        assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        assertTrue(e.getMessage().contains(REPO), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        UserError wrong = assertThrows(UserError.class, () -> client("HF_TOKEN", "bad").downloadModel(REPO, null));
        assertTrue(wrong.getMessage().contains("refused"), wrong.getMessage());
    }

    @Test
    void notFoundErrorsNameTheRepoAndFile() {
        UserError noRepo = assertThrows(UserError.class, () -> client().downloadModel("acme/nope", null));
        assertTrue(noRepo.getMessage().contains("model repo acme/nope not found"), noRepo.getMessage());

        HubFileNotFoundError noFile = assertThrows(HubFileNotFoundError.class,
                () -> client().downloadFile(RepoType.MODEL, REPO, null, "vocab.txt"));
        assertTrue(noFile.getMessage().contains("vocab.txt"), noFile.getMessage());
        assertTrue(noFile.getMessage().contains(REPO), noFile.getMessage());

        UserError noRevision = assertThrows(UserError.class,
                () -> client().downloadFile(RepoType.MODEL, REPO, "v9", "config.json"));
        assertTrue(noRevision.getMessage().contains("revision 'v9' not found in model repo " + REPO),
                noRevision.getMessage());
    }

    @Test
    void aFailedContentDownloadIsNotTakenForAMissingFile() {
        // A 404 from the LFS store or CDN, after the hub's lookup had found the file, was a
        // HubFileNotFoundError: downloadModel then reported "neither model.safetensors nor the
        // index", and --data hub would pass an optional split over as absent. A 403 there
        // (an expired signed URL) told the user to set HF_TOKEN, which is never sent to that host.
        hub.cdnStatus = 404;
        UserError e = assertThrows(UserError.class, () -> client().downloadModel(REPO, null));
        assertFalse(e instanceof HubFileNotFoundError, e.getMessage());
        assertFalse(e.getMessage().contains("neither"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("model.safetensors")
                && e.getMessage().contains("127.0.0.1"), e.getMessage());

        hub.cdnStatus = 403;
        UserError forbidden = assertThrows(UserError.class,
                () -> client("HF_TOKEN", "hf_secret").downloadFile(RepoType.MODEL, REPO, null, "model.safetensors"));
        assertTrue(forbidden.getMessage().contains("HTTP 403") && forbidden.getMessage().contains("127.0.0.1"),
                forbidden.getMessage());
        assertFalse(forbidden.getMessage().contains("HF_TOKEN") || forbidden.getMessage().contains("gated"),
                forbidden.getMessage());
        assertFalse(forbidden.getMessage().contains("secret"), forbidden.getMessage());
    }

    @Test
    void sha256MismatchIsDetectedAndThePartialFileDeleted() throws IOException {
        hub.corruptCdn = true;
        UserError e = assertThrows(UserError.class,
                () -> client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors"));
        assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        Path blobs = cache.resolve("models--acme--tiny-bert/blobs");
        try (Stream<Path> files = Files.list(blobs)) {
            assertEquals(List.of(), files.toList());
        }
        assertFalse(Files.exists(cache.resolve("models--acme--tiny-bert/snapshots/" + MAIN + "/model.safetensors"),
                LinkOption()));
    }

    @Test
    void partialDownloadIsResumedWithARangeRequest() throws IOException {
        Path incomplete = cache.resolve("models--acme--tiny-bert/blobs/" + Hashing.sha256Hex(weights) + ".incomplete");
        Files.createDirectories(incomplete.getParent());
        Files.write(incomplete, java.util.Arrays.copyOf(weights, 123_457));

        Path file = client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");

        assertArrayEquals(weights, Files.readAllBytes(file));
        assertFalse(Files.exists(incomplete));
        FakeHub.Request get = hub.requests().stream().filter(FakeHub.Request::isCdn).findFirst().orElseThrow();
        assertEquals("bytes=123457-", get.range());
    }

    @Test
    void serverIgnoringRangeRestartsFromZero() throws IOException {
        hub.ignoreRange = true;
        Path incomplete = cache.resolve("models--acme--tiny-bert/blobs/" + Hashing.sha256Hex(weights) + ".incomplete");
        Files.createDirectories(incomplete.getParent());
        Files.write(incomplete, java.util.Arrays.copyOf(weights, 1000));

        Path file = client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(file));
    }

    @Test
    void stalledDownloadFailsAndKeepsThePartialFileForResume() throws IOException {
        hub.stallAfterBytes = 1000;
        hub.stallMillis = 3000;
        HubConfig config = HubConfig.from(Env.of(env()))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(300));
        long start = System.nanoTime();
        UserError e = assertThrows(UserError.class,
                () -> new HubClient(config).downloadFile(RepoType.MODEL, REPO, null, "model.safetensors"));
        assertTrue(e.getMessage().contains("stalled"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2500, "the watchdog did not fire");
        assertFalse(Thread.currentThread().isInterrupted());
        Path incomplete = cache.resolve("models--acme--tiny-bert/blobs/" + Hashing.sha256Hex(weights) + ".incomplete");
        assertEquals(1000, Files.size(incomplete));

        hub.stallAfterBytes = -1;
        Path file = client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(file));
    }

    /**
     * Two downloads of one blob at once (F1): A stalls after 1000 bytes, B starts while A's
     * partial file exists. Without the blob lock B resumed into A's partial file, A renamed it to
     * the blob, and B kept appending into the blob.
     */
    @Test
    void concurrentDownloadsOfOneBlobLeaveItIntact() throws Exception {
        String sha = Hashing.sha256Hex(weights);
        Path blob = cache.resolve("models--acme--tiny-bert/blobs/" + sha);
        Path incomplete = cache.resolve("models--acme--tiny-bert/blobs/" + sha + ".incomplete");
        hub.stallAfterBytes = 1000;
        hub.stallMillis = 1500;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> a = pool.submit(() -> client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors"));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!(Files.isRegularFile(incomplete) && Files.size(incomplete) >= 1000)) {
                assertTrue(System.nanoTime() < deadline, "A never wrote its first bytes");
                Thread.sleep(10);
            }
            Future<Path> b = pool.submit(() -> client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors"));
            Throwable failureA = failure(a);
            Throwable failureB = failure(b);

            assertTrue(Files.isRegularFile(blob), "no blob");
            byte[] got = Files.readAllBytes(blob);
            assertEquals(weights.length, got.length, "blob size");
            assertEquals(sha, Hashing.sha256Hex(got), "blob sha256");
            assertArrayEquals(weights, got);
            assertNull(failureA, () -> "A failed: " + failureA);
            assertNull(failureB, () -> "B failed: " + failureB);
            assertArrayEquals(weights, Files.readAllBytes(a.get()));
            assertArrayEquals(weights, Files.readAllBytes(b.get()));
            assertFalse(Files.exists(incomplete));
            long cdnGets = hub.requests().stream().filter(r -> r.isCdn() && r.method().equals("GET")).count();
            assertEquals(1, cdnGets, "the second download must wait for the first and reuse its blob: "
                    + hub.requests());
            assertTrue(Files.isRegularFile(cache.resolve(".locks/models--acme--tiny-bert/" + sha + ".lock")),
                    "the lock file is where huggingface_hub keeps it");
        } finally {
            pool.shutdownNow();
        }
    }

    /** The lock also excludes another process: a child JVM holds the blob's lock file (an fcntl lock). */
    @Test
    void downloadWaitsForAnotherProcessHoldingTheBlobLock() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        assertDownloadWaitsFor(lockFile -> List.of(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), lockFile.toString()));
    }

    /**
     * And a process holding an flock on it, as Python's filelock does for huggingface_hub
     * (here util-linux's flock(1), which takes the same lock).
     */
    @Test
    void downloadWaitsForAnFlockAsHuggingfaceHubTakesIt() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "needs util-linux's flock(1)");
        assertDownloadWaitsFor(lockFile -> {
            Files.createDirectories(lockFile.getParent());
            return List.of("/usr/bin/flock", "--exclusive", lockFile.toString(),
                    "sh", "-c", "echo locked; cat > /dev/null");
        });
    }

    /** The other way round: while mtl4j holds a blob's lock, a process asking for the flock is refused. */
    @Test
    void anFlockIsRefusedWhileTheBlobLockIsHeld() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "needs util-linux's flock(1)");
        Path lockFile = cache.resolve(".locks/models--acme--tiny-bert/some-etag.lock");
        try (BlobLock lock = BlobLock.acquire(lockFile, "a blob")) {
            assertEquals(1, flockNonBlocking(lockFile), "flock(1) got the lock mtl4j holds");
        }
        assertEquals(0, flockNonBlocking(lockFile), "the lock was not released");
    }

    private static int flockNonBlocking(Path file) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/flock", "--nonblock", "--conflict-exit-code", "1", file.toString(), "true")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue();
    }

    private interface HolderCommand {
        List<String> forLock(Path lockFile) throws IOException;
    }

    /** Starts {@code holder}, which prints "locked" once it holds the lock and keeps it until its stdin closes. */
    private void assertDownloadWaitsFor(HolderCommand holder) throws Exception {
        String sha = Hashing.sha256Hex(weights);
        Path lockFile = cache.resolve(".locks/models--acme--tiny-bert/" + sha + ".lock");
        Process process = new ProcessBuilder(holder.forLock(lockFile)).redirectErrorStream(true).start();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine(), "the child did not take the lock");

            Future<Path> download = pool.submit(
                    () -> client().downloadFile(RepoType.MODEL, REPO, null, "model.safetensors"));
            Thread.sleep(1000);
            assertFalse(download.isDone(), "the download did not wait for the other process's lock");
            assertTrue(hub.requests().stream().noneMatch(FakeHub.Request::isCdn), hub.requests().toString());

            process.getOutputStream().close();
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
            Path file = download.get(10, TimeUnit.SECONDS);
            assertArrayEquals(weights, Files.readAllBytes(file));
        } finally {
            process.destroyForcibly();
            pool.shutdownNow();
        }
    }

    private static Throwable failure(Future<?> future) throws InterruptedException {
        try {
            future.get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return e;
        }
    }

    @Test
    void offlineModeUsesTheCacheOnlyAndExplainsMisses() throws IOException {
        Path snapshot = client().downloadModel(REPO, null);
        int requests = hub.requests().size();

        assertEquals(snapshot, client("HF_HUB_OFFLINE", "1").downloadModel(REPO, null));
        assertEquals(snapshot.resolve("config.json"),
                client("HF_HUB_OFFLINE", "1").downloadFile(RepoType.MODEL, REPO, MAIN, "config.json"));

        UserError missingFile = assertThrows(UserError.class,
                () -> client("HF_HUB_OFFLINE", "1").downloadFile(RepoType.MODEL, REPO, null, "vocab.txt"));
        assertTrue(missingFile.getMessage().contains("not in the hub cache"), missingFile.getMessage());
        assertTrue(missingFile.getMessage().contains("HF_HUB_OFFLINE"), missingFile.getMessage());
        assertTrue(missingFile.getMessage().contains("vocab.txt"), missingFile.getMessage());

        UserError missingRepo = assertThrows(UserError.class,
                () -> client("HF_HUB_OFFLINE", "true").downloadModel("acme/other", null));
        assertTrue(missingRepo.getMessage().contains("acme/other"), missingRepo.getMessage());
        assertTrue(missingRepo.getMessage().contains("offline mode is on"), missingRepo.getMessage());
        assertEquals(requests, hub.requests().size(), "offline mode must not touch the network");
    }

    @Test
    void shardedCheckpointFetchesEveryShard() throws IOException {
        String repo = "acme/sharded";
        byte[] shard1 = randomBytes(5000, 2);
        byte[] shard2 = randomBytes(7000, 3);
        String index = """
                {"metadata": {"total_size": 12000},
                 "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                "b.weight": "model-00002-of-00002.safetensors",
                                "c.weight": "model-00001-of-00002.safetensors"}}""";
        hub.put(repo, MAIN, "config.json", config, false, "main");
        hub.put(repo, MAIN, "tokenizer.json", tokenizer, false);
        hub.put(repo, MAIN, "model.safetensors.index.json", index.getBytes(StandardCharsets.UTF_8), false);
        hub.put(repo, MAIN, "model-00001-of-00002.safetensors", shard1, true);
        hub.put(repo, MAIN, "model-00002-of-00002.safetensors", shard2, true);

        Path snapshot = client().downloadModel(repo, null);
        assertArrayEquals(shard1, Files.readAllBytes(snapshot.resolve("model-00001-of-00002.safetensors")));
        assertArrayEquals(shard2, Files.readAllBytes(snapshot.resolve("model-00002-of-00002.safetensors")));
        assertTrue(Files.exists(snapshot.resolve("model.safetensors.index.json")));
        assertFalse(Files.exists(snapshot.resolve("model.safetensors"), LinkOption()));
        assertTrue(Files.exists(cache.resolve("models--acme--sharded/.no_exist/" + MAIN + "/model.safetensors")));

        int requests = hub.requests().size();
        assertEquals(snapshot, client().downloadModel(repo, null));
        assertTrue(requestsSince(requests).stream().allMatch(r -> r.startsWith("HEAD ")), requestsSince(requests).toString());
        assertFalse(requestsSince(requests).contains("HEAD /acme/sharded/resolve/" + MAIN + "/model.safetensors"),
                "the missing model.safetensors must be remembered for the commit: " + requestsSince(requests));
    }

    /** Older hub models ship the slow tokenizer's files only; mtl4j builds tokenizer.json from them. */
    @Test
    void aModelWithVocabTxtInsteadOfTokenizerJsonDownloadsThatAndLoads() throws IOException {
        Path original = tmp.resolve("original");
        io.mtl4j.testing.TinyModels.writeTokenizer(Files.createDirectories(original));
        Path slow = tmp.resolve("slow");
        io.mtl4j.testing.TinyModels.writeTokenizer(Files.createDirectories(slow));
        io.mtl4j.testing.TinyModels.replaceTokenizerJsonWithVocabTxt(slow, "{\"do_lower_case\": true}");
        String repo = "textattack/tiny-bert-sst2";
        hub.put(repo, MAIN, "config.json", config, false, "main");
        hub.put(repo, MAIN, "vocab.txt", Files.readAllBytes(slow.resolve("vocab.txt")), false);
        hub.put(repo, MAIN, "tokenizer_config.json", Files.readAllBytes(slow.resolve("tokenizer_config.json")), false);
        int entId = io.mtl4j.testing.TinyModels.VOCAB.size();
        hub.put(repo, MAIN, "added_tokens.json", ("{\"<ent>\": " + entId + "}").getBytes(StandardCharsets.UTF_8), false);
        hub.put(repo, MAIN, "model.safetensors", weights, true);

        Path snapshot = client().downloadModel(repo, null);
        assertTrue(Files.exists(snapshot.resolve("vocab.txt")));
        assertTrue(Files.exists(snapshot.resolve("tokenizer_config.json")));
        assertTrue(Files.exists(snapshot.resolve("added_tokens.json")), "the tokens added to vocab.txt change the tokenizer");
        assertFalse(Files.exists(snapshot.resolve("tokenizer.json"), LinkOption()));
        assertEquals(snapshot, client("HF_HUB_OFFLINE", "1").downloadModel(repo, null),
                "offline, the cache remembers that tokenizer.json and special_tokens_map.json are missing");
        try (var expected = io.mtl4j.tokenize.BertTokenizer.load(original, 64);
             var actual = io.mtl4j.tokenize.BertTokenizer.load(snapshot, 64)) {
            for (String text : List.of("The movie was GOOD!", "who liked the [MASK] story?")) {
                assertArrayEquals(expected.encode(text, "a dog").inputIds(), actual.encode(text, "a dog").inputIds(), text);
            }
            int[] ids = actual.encode("the <ent>", null).inputIds();
            assertEquals(entId, ids[2], java.util.Arrays.toString(ids));
        }
    }

    @Test
    void aModelWithNeitherTokenizerJsonNorVocabTxtIsAClearError() {
        hub.put("acme/no-tokenizer", MAIN, "config.json", config, false, "main");
        hub.put("acme/no-tokenizer", MAIN, "model.safetensors", weights, true);
        UserError e = assertThrows(UserError.class, () -> client().downloadModel("acme/no-tokenizer", null));
        assertTrue(e.getMessage().contains("neither tokenizer.json nor vocab.txt"), e.getMessage());
    }

    /** Older hub models (textattack/*, many community fine-tunes) ship pytorch_model.bin only. */
    @Test
    void aModelWithOnlyPytorchModelBinDownloadsItAndLoads() throws IOException {
        Path tiny = io.mtl4j.testing.TestResources.copyTree("/golden/tiny-bert/f32", cache.resolveSibling("tiny"));
        Path bins = io.mtl4j.testing.TestResources.copyTree("/golden/torch-bin", cache.resolveSibling("torch-bin"));
        hub.put("acme/old", MAIN, "config.json", Files.readAllBytes(tiny.resolve("config.json")), false, "main");
        hub.put("acme/old", MAIN, "tokenizer.json", tokenizer, false);
        hub.put("acme/old", MAIN, "pytorch_model.bin", Files.readAllBytes(bins.resolve("zip.bin")), true);

        Path snapshot = client().downloadModel("acme/old", null);
        assertTrue(Files.exists(snapshot.resolve("pytorch_model.bin")));
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            var loaded = io.mtl4j.model.CheckpointLoader.load(snapshot, java.util.Set.of(), cache.resolveSibling("converted"));
            assertTrue(loaded.model().hasPooler());
        }
    }

    @Test
    void aShardedPytorchModelBinFetchesEveryShard() throws IOException {
        byte[] shard = randomBytes(5000, 4);
        String index = """
                {"metadata": {}, "weight_map": {"a.weight": "pytorch_model-00001-of-00001.bin"}}""";
        hub.put("acme/old-sharded", MAIN, "config.json", config, false, "main");
        hub.put("acme/old-sharded", MAIN, "tokenizer.json", tokenizer, false);
        hub.put("acme/old-sharded", MAIN, "pytorch_model.bin.index.json", index.getBytes(StandardCharsets.UTF_8), false);
        hub.put("acme/old-sharded", MAIN, "pytorch_model-00001-of-00001.bin", shard, true);

        Path snapshot = client().downloadModel("acme/old-sharded", null);
        assertArrayEquals(shard, Files.readAllBytes(snapshot.resolve("pytorch_model-00001-of-00001.bin")));
    }

    @Test
    void aModelWithNoWeightsIsAClearError() {
        hub.put("acme/empty", MAIN, "config.json", config, false, "main");
        hub.put("acme/empty", MAIN, "tokenizer.json", tokenizer, false);
        UserError e = assertThrows(UserError.class, () -> client().downloadModel("acme/empty", null));
        assertTrue(e.getMessage().contains("has none of model.safetensors, model.safetensors.index.json, "
                + "pytorch_model.bin, pytorch_model.bin.index.json"), e.getMessage());
    }

    @Test
    void progressIsReportedUpToTheFileSize() {
        List<long[]> updates = new ArrayList<>();
        client((file, done, total) -> updates.add(new long[] {done, total}))
                .downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");
        assertFalse(updates.isEmpty());
        assertEquals(0, updates.get(0)[0]);
        long[] last = updates.get(updates.size() - 1);
        assertEquals(weights.length, last[0]);
        assertEquals(weights.length, last[1]);
        assertTrue(updates.size() < 20, "progress is throttled: " + updates.size() + " updates");
    }

    @Test
    void connectionRefusedNamesTheEndpoint() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + port;
        UserError e = assertThrows(UserError.class, () -> client("HF_ENDPOINT", endpoint).downloadModel(REPO, null));
        assertTrue(e.getMessage().contains(endpoint), e.getMessage());
        assertTrue(e.getMessage().contains("cannot connect"), e.getMessage());
    }

    static java.nio.file.LinkOption LinkOption() {
        return java.nio.file.LinkOption.NOFOLLOW_LINKS;
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
