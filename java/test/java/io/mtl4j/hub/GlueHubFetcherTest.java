package io.mtl4j.hub;

import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.HubDataSource;
import io.mtl4j.data.MissingSplitError;
import io.mtl4j.data.ParquetFixtures;
import io.mtl4j.data.SplitData;
import io.mtl4j.data.SplitLoader;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --data hub}: GlueHubFetcher behind HubDataSource, against a loopback hub. */
class GlueHubFetcherTest {
    static final String COMMIT = "4444444444444444444444444444444444444444";
    static final String COMMIT_V1 = "1111111111111111111111111111111111111111";
    static final String GLUE = "datasets/nyu-mll/glue";

    @TempDir
    Path tmp;
    FakeHub hub;
    GlueHubFetcher fetcher;
    byte[] train;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        Env env = Env.of(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", tmp.resolve("hf").toString()));
        fetcher = GlueHubFetcher.fromEnv(env, DownloadProgress.none());
        Path file = tmp.resolve("train.parquet");
        ParquetFixtures.writeSst2(file, new Object[][] {{utf8("a good movie"), 1}, {utf8("a bad movie"), 0},
                {utf8("great fun"), 1}});
        train = Files.readAllBytes(file);
        hub.put(GLUE, COMMIT, "sst2/train-00000-of-00001.parquet", train, true, "main");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void fetchedSplitIsReadLikeALocalParquetFile() {
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));

        SplitData data = SplitLoader.load(source, sst2, "train", BadRowPolicy.ERROR);

        assertEquals(tmp.resolve("hub-data/" + COMMIT + "/sst2/train-00000-of-00001.parquet"), data.file());
        assertEquals(List.of("a good movie", "a bad movie", "great fun"),
                data.examples().stream().map(e -> e.textA()).toList());
        assertArrayEquals(new long[] {1, 2}, data.labelCounts(2));
    }

    /**
     * A run killed while placing a split (SIGKILL between making its temporary link or copy and the
     * rename) left that file beside the split for ever. The next run that places the split removes
     * those no run can still be writing, and keeps a fresh one.
     */
    @Test
    void placingASplitRemovesTheTemporaryFilesOfRunsKilledWhilePlacingIt() throws IOException {
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        Path dir = Files.createDirectories(tmp.resolve("hub-data/" + COMMIT + "/sst2"));
        Path killed = Files.writeString(dir.resolve("train-00000-of-00001.parquet.tmp-4242-123456"), "half a file");
        Files.setLastModifiedTime(killed, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - java.util.concurrent.TimeUnit.DAYS.toMillis(1)));
        Path live = Files.writeString(dir.resolve("train-00000-of-00001.parquet.tmp-4343-654321"), "being written");
        Path otherSplit = Files.writeString(dir.resolve("validation-00000-of-00001.parquet.tmp-4242-1"), "another split");
        Files.setLastModifiedTime(otherSplit, Files.getLastModifiedTime(killed));

        SplitData data = SplitLoader.load(new HubDataSource(fetcher, tmp.resolve("hub-data")), sst2, "train",
                BadRowPolicy.ERROR);

        assertEquals(3, data.examples().size());
        assertFalse(Files.exists(killed), "the killed run's temporary file is still there");
        assertTrue(Files.exists(live), "a temporary file a live run may be writing is kept");
        assertTrue(Files.exists(otherSplit), "only the placed split's own temporary files go");
    }

    @Test
    void targetLinksIntoTheHubCacheAndASecondFetchOnlyAsksWhereMainPoints() throws IOException {
        Path first = tmp.resolve("out/a/train-00000-of-00001.parquet");
        fetcher.fetch("sst2", "train").placeIn(first.getParent());
        int requests = hub.requests().size();
        assertTrue(requests > 0);
        assertArrayEquals(train, Files.readAllBytes(first));
        assertTrue(Files.isSymbolicLink(first), "linked, not copied");
        Path blobs = tmp.resolve("hf/hub/datasets--nyu-mll--glue/blobs").toRealPath();
        assertTrue(Files.readSymbolicLink(first).startsWith(blobs), Files.readSymbolicLink(first).toString());

        Path second = tmp.resolve("out/b/train-00000-of-00001.parquet");
        fetcher.fetch("sst2", "train").placeIn(second.getParent());
        assertArrayEquals(train, Files.readAllBytes(second));
        assertEquals(List.of("HEAD"), hub.requests().stream().skip(requests).map(r -> r.method()).toList(),
                "served from the hub cache after asking where main points");
        try (var leftovers = Files.list(second.getParent())) {
            assertEquals(List.of(second), leftovers.toList(), "no temporary files left behind");
        }
    }

    @Test
    void aSplitIsFetchedAloneNotWithTheTasksOtherFiles() throws IOException {
        // Every split's fetch downloaded the whole task: eval on MNLI's dev set fetched its train file too.
        Path file = tmp.resolve("validation.parquet");
        ParquetFixtures.writeSst2(file, new Object[][] {{utf8("fine"), 1}});
        hub.put(GLUE, COMMIT, "sst2/validation-00000-of-00001.parquet", Files.readAllBytes(file), true, "main");
        fetcher.fetch("sst2", "validation").placeIn(tmp.resolve("out"));
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(tmp.resolve("out/validation-00000-of-00001.parquet")));
        List<String> asked = hub.requests().stream().map(r -> r.path()).toList();
        assertTrue(asked.stream().noneMatch(p -> p.contains("train-00000")), asked.toString());
    }

    @Test
    void splitAbsentFromTheHubIsAMissingSplit() {
        NoSuchFileException direct = assertThrows(NoSuchFileException.class,
                () -> fetcher.fetch("sst2", "validation"));
        assertTrue(direct.getMessage().contains("sst2/validation-00000-of-00001.parquet"), direct.getMessage());

        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));
        MissingSplitError e = assertThrows(MissingSplitError.class,
                () -> source.locate(TaskRegistry.glue().get("sst2"), "validation"));
        assertTrue(e.getMessage().startsWith("the hub has no sst2/validation"), e.getMessage());
    }

    @Test
    void aSplitPublishedInSeveralShardsIsPlacedAsItsShardsAndReadWholeInShardOrder() throws IOException {
        // The shards were joined into one copy of the split, a second way of reading shards that
        // hashed the same rows differently from a local directory of them. Each shard is now linked
        // under its own name and the split is read as a local directory of shards is.
        Path first = tmp.resolve("v0.parquet");
        Path second = tmp.resolve("v1.parquet");
        ParquetFixtures.writeSst2(first, new Object[][] {{utf8("fine"), 1}, {utf8("dull"), 0}});
        ParquetFixtures.writeSst2(second, new Object[][] {{utf8("superb"), 1}});
        // put the second shard first, so order comes from the names, not from the listing
        hub.put(GLUE, COMMIT, "sst2/validation-00001-of-00002.parquet", Files.readAllBytes(second), true, "main");
        hub.put(GLUE, COMMIT, "sst2/validation-00000-of-00002.parquet", Files.readAllBytes(first), true, "main");
        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));

        SplitData data = SplitLoader.load(source, TaskRegistry.glue().get("sst2"), "validation", BadRowPolicy.ERROR);

        assertEquals(List.of("fine", "dull", "superb"), texts(data));
        Path dir = tmp.resolve("hub-data/" + COMMIT + "/sst2");
        List<Path> shards = List.of(dir.resolve("validation-00000-of-00002.parquet"), dir.resolve("validation-00001-of-00002.parquet"));
        assertEquals(shards.get(0), data.file());
        try (var placed = Files.list(dir)) {
            assertEquals(shards, placed.sorted().toList(), "the shards under their own names; no joined file, no temporary files");
        }
        Path blobs = tmp.resolve("hf/hub/datasets--nyu-mll--glue/blobs").toRealPath();
        for (Path shard : shards) {
            assertTrue(Files.isSymbolicLink(shard) && Files.readSymbolicLink(shard).startsWith(blobs), shard + " is not linked");
        }
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(shards.get(0)));
        assertArrayEquals(Files.readAllBytes(second), Files.readAllBytes(shards.get(1)));

        // the same shards in a local --data directory: the same rows and the same hash
        Path local = Files.createDirectories(tmp.resolve("local/sst2"));
        Files.copy(first, local.resolve("validation-00000-of-00002.parquet"));
        Files.copy(second, local.resolve("validation-00001-of-00002.parquet"));
        SplitData fromDisk = SplitLoader.load(new io.mtl4j.data.SplitLocator(tmp.resolve("local")),
                TaskRegistry.glue().get("sst2"), "validation", BadRowPolicy.ERROR);
        assertEquals(texts(fromDisk), texts(data));
        assertEquals(fromDisk.fileSha256(), data.fileSha256());
    }

    /**
     * A run killed while placing a sharded split's links may leave only some of them; the split
     * then reads as an incomplete set of shards. The next fetch places the missing ones.
     */
    @Test
    void aShardedSplitPartlyPlacedByAKilledRunIsCompletedOnTheNextFetch() throws IOException {
        List<Path> published = publishValidationShards(new Object[][] {{utf8("fine"), 1}, {utf8("dull"), 0}},
                new Object[][] {{utf8("superb"), 1}});
        Path first = published.get(0);
        Path second = published.get(1);
        Path dir = Files.createDirectories(tmp.resolve("hub-data/" + COMMIT + "/sst2"));
        Files.copy(first, dir.resolve("validation-00000-of-00002.parquet")); // only shard 0 was placed

        SplitData data = SplitLoader.load(new HubDataSource(fetcher, tmp.resolve("hub-data")), sst2(), "validation",
                BadRowPolicy.ERROR);

        assertEquals(List.of("fine", "dull", "superb"), texts(data));
        assertArrayEquals(Files.readAllBytes(second), Files.readAllBytes(dir.resolve("validation-00001-of-00002.parquet")));
    }

    /**
     * An earlier version joined a sharded split into one file, {@code <split>-00000-of-00001.parquet},
     * in the same directory; beside the shards it would be a second set of the split.
     */
    @Test
    void aJoinedFileOfAnEarlierVersionIsReplacedByTheShards() throws IOException {
        List<Path> published = publishValidationShards(new Object[][] {{utf8("fine"), 1}},
                new Object[][] {{utf8("superb"), 1}});
        Path first = published.get(0);
        Path second = published.get(1);
        Path dir = Files.createDirectories(tmp.resolve("hub-data/" + COMMIT + "/sst2"));
        ParquetFixtures.writeSst2(dir.resolve("validation-00000-of-00001.parquet"),
                new Object[][] {{utf8("fine"), 1}, {utf8("superb"), 1}});
        Path otherSplit = Files.copy(first, dir.resolve("train-00000-of-00001.parquet"));

        SplitData data = SplitLoader.load(new HubDataSource(fetcher, tmp.resolve("hub-data")), sst2(), "validation",
                BadRowPolicy.ERROR);

        assertEquals(List.of("fine", "superb"), texts(data));
        assertFalse(Files.exists(dir.resolve("validation-00000-of-00001.parquet")), "the joined file is still there");
        assertTrue(Files.exists(otherSplit), "only the split's own files go");
    }

    /** A link left dangling by a cleaned hub cache counts as missing and is placed again. */
    @Test
    void aPlacedShardWhoseHubCacheWasCleanedIsPlacedAgain() throws IOException {
        List<Path> published = publishValidationShards(new Object[][] {{utf8("fine"), 1}},
                new Object[][] {{utf8("superb"), 1}});
        Path first = published.get(0);
        Path second = published.get(1);
        SplitLoader.load(new HubDataSource(fetcher, tmp.resolve("hub-data")), sst2(), "validation", BadRowPolicy.ERROR);
        deleteTree(tmp.resolve("hf/hub/datasets--nyu-mll--glue"));

        SplitData data = SplitLoader.load(new HubDataSource(fetcher, tmp.resolve("hub-data")), sst2(), "validation",
                BadRowPolicy.ERROR);

        assertEquals(List.of("fine", "superb"), texts(data));
    }

    @Test
    void aShardedSplitOnceFetchedIsReadOfflineFromTheHubCache() throws IOException {
        List<Path> published = publishValidationShards(new Object[][] {{utf8("fine"), 1}},
                new Object[][] {{utf8("superb"), 1}});
        Path first = published.get(0);
        Path second = published.get(1);
        fetcher.fetch("sst2", "validation").placeIn(tmp.resolve("online"));
        int requests = hub.requests().size();

        GlueHubFetcher offline = GlueHubFetcher.fromEnv(Env.of(Map.of("HF_ENDPOINT", hub.endpoint(),
                "HF_HOME", tmp.resolve("hf").toString(), "HF_HUB_OFFLINE", "1")), DownloadProgress.none());
        HubDataSource source = new HubDataSource(offline, tmp.resolve("other-cache"));
        SplitData data = SplitLoader.load(source, TaskRegistry.glue().get("sst2"), "validation", BadRowPolicy.ERROR);

        assertEquals(List.of("fine", "superb"), data.examples().stream().map(e -> e.textA()).toList());
        assertEquals(requests, hub.requests().size(), "no request offline");
    }

    @Test
    void aShardThatIsNotParquetIsAOneLineErrorNamingIt() throws IOException {
        Path file = tmp.resolve("v0.parquet");
        ParquetFixtures.writeSst2(file, new Object[][] {{utf8("fine"), 1}});
        hub.put(GLUE, COMMIT, "sst2/validation-00000-of-00002.parquet", Files.readAllBytes(file), true, "main");
        hub.put(GLUE, COMMIT, "sst2/validation-00001-of-00002.parquet", "not parquet".getBytes(StandardCharsets.UTF_8),
                true, "main");
        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));

        io.mtl4j.util.UserError e = assertThrows(io.mtl4j.util.UserError.class,
                () -> SplitLoader.load(source, TaskRegistry.glue().get("sst2"), "validation", BadRowPolicy.ERROR));

        assertTrue(e.getMessage().contains("validation-00001-of-00002.parquet"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void anIncompleteSetOfShardsIsAClearErrorNotAMissingSplit() throws IOException {
        Path file = tmp.resolve("validation.parquet");
        ParquetFixtures.writeSst2(file, new Object[][] {{utf8("fine"), 1}});
        hub.put(GLUE, COMMIT, "sst2/validation-00000-of-00003.parquet", Files.readAllBytes(file), true, "main");
        hub.put(GLUE, COMMIT, "sst2/validation-00002-of-00003.parquet", Files.readAllBytes(file), true, "main");
        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));

        io.mtl4j.util.UserError e = assertThrows(io.mtl4j.util.UserError.class,
                () -> source.locate(TaskRegistry.glue().get("sst2"), "validation"));

        assertFalse(e instanceof MissingSplitError, "not passed over as a missing split: " + e.getMessage());
        assertTrue(e.getMessage().contains("sst2/validation-00001-of-00003.parquet"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void taskWithoutTrainOnTheHubNamesTheFileLookedFor() {
        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));
        io.mtl4j.util.UserError e = assertThrows(io.mtl4j.util.UserError.class,
                () -> source.locate(TaskRegistry.glue().get("rte"), "train"));
        assertTrue(e.getMessage().contains("rte/train-00000-of-00001.parquet"), e.getMessage());
    }

    @Test
    void glueDiagnosticComesFromTheHubsAxDirectory() throws IOException {
        Path file = tmp.resolve("ax.parquet");
        ParquetFixtures.writeTestPairs(file, "premise", "hypothesis",
                new String[][] {{"The cat sat.", "A cat sat."}, {"No dog ran.", "A dog ran."}});
        hub.put(GLUE, COMMIT, "ax/test-00000-of-00001.parquet", Files.readAllBytes(file), true, "main");
        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));

        SplitData data = SplitLoader.load(source, TaskRegistry.glueDiagnostic(), "test", BadRowPolicy.ERROR);

        assertEquals(tmp.resolve("hub-data/" + COMMIT + "/ax/test-00000-of-00001.parquet"), data.file());
        assertEquals(List.of("No dog ran.", "A dog ran."),
                List.of(data.examples().get(1).textA(), data.examples().get(1).textB()));
    }

    @Test
    void aHubWithoutTheDiagnosticSetReportsAMissingSplit() {
        HubDataSource source = new HubDataSource(fetcher, tmp.resolve("hub-data"));
        MissingSplitError e = assertThrows(MissingSplitError.class,
                () -> source.locate(TaskRegistry.glueDiagnostic(), "test"));
        assertTrue(e.getMessage().startsWith("the hub has no ax/test") && e.getMessage().contains("ax/test-00000-of-00001.parquet"),
                e.getMessage());
    }

    // --data-revision: the linked splits are keyed by the commit the revision resolves to, which is
    // looked up again on every run (one HEAD per split), as a model's files are.

    @Test
    void aPinnedRevisionFetchesThatRevisionsFile() throws IOException {
        byte[] v1 = sst2Train("an old review");
        hub.put(GLUE, COMMIT_V1, "sst2/train-00000-of-00001.parquet", v1, true, "v1.0");

        SplitData data = SplitLoader.load(source("v1.0", tmp.resolve("hub-data")), sst2(), "train", BadRowPolicy.ERROR);

        assertEquals(List.of("an old review"), texts(data));
        assertEquals(tmp.resolve("hub-data/" + COMMIT_V1 + "/sst2/train-00000-of-00001.parquet"), data.file());
    }

    @Test
    void aMovedMainIsSeenByTheNextRun() throws IOException {
        SplitData before = SplitLoader.load(source(null, tmp.resolve("hub-data")), sst2(), "train", BadRowPolicy.ERROR);
        assertEquals(3, before.examples().size());
        hub.put(GLUE, COMMIT_V1, "sst2/train-00000-of-00001.parquet", sst2Train("a newer review"), true, "main");

        SplitData after = SplitLoader.load(source(null, tmp.resolve("hub-data")), sst2(), "train", BadRowPolicy.ERROR);

        assertEquals(List.of("a newer review"), texts(after));
        assertEquals(tmp.resolve("hub-data/" + COMMIT_V1 + "/sst2/train-00000-of-00001.parquet"), after.file());
    }

    @Test
    void twoRevisionsDoNotShareACachedSplit() throws IOException {
        hub.put(GLUE, COMMIT_V1, "sst2/train-00000-of-00001.parquet", sst2Train("an old review"), true, "v1.0");
        Path dir = tmp.resolve("hub-data");

        SplitData main = SplitLoader.load(source(null, dir), sst2(), "train", BadRowPolicy.ERROR);
        SplitData v1 = SplitLoader.load(source("v1.0", dir), sst2(), "train", BadRowPolicy.ERROR);
        SplitData mainAgain = SplitLoader.load(source("main", dir), sst2(), "train", BadRowPolicy.ERROR);

        assertEquals(3, main.examples().size());
        assertEquals(List.of("an old review"), texts(v1));
        assertEquals(texts(main), texts(mainAgain));
        assertFalse(main.file().equals(v1.file()), main.file() + " shared");
    }

    @Test
    void offlineTheCachedSplitOfThatRevisionIsUsedWithoutARequest() throws IOException {
        hub.put(GLUE, COMMIT_V1, "sst2/train-00000-of-00001.parquet", sst2Train("an old review"), true, "v1.0");
        Path dir = tmp.resolve("hub-data");
        SplitLoader.load(source(null, dir), sst2(), "train", BadRowPolicy.ERROR);
        SplitLoader.load(source("v1.0", dir), sst2(), "train", BadRowPolicy.ERROR);
        int requests = hub.requests().size();

        Env offline = Env.of(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", tmp.resolve("hf").toString(),
                "HF_HUB_OFFLINE", "1"));
        SplitData v1 = SplitLoader.load(new HubDataSource(GlueHubFetcher.fromEnv(offline, DownloadProgress.none(), "v1.0"), dir),
                sst2(), "train", BadRowPolicy.ERROR);
        SplitData main = SplitLoader.load(new HubDataSource(GlueHubFetcher.fromEnv(offline, DownloadProgress.none(), null), dir),
                sst2(), "train", BadRowPolicy.ERROR);

        assertEquals(List.of("an old review"), texts(v1));
        assertEquals(3, main.examples().size());
        assertEquals(requests, hub.requests().size(), "no request offline");
        io.mtl4j.util.UserError never = assertThrows(io.mtl4j.util.UserError.class, () -> SplitLoader.load(
                new HubDataSource(GlueHubFetcher.fromEnv(offline, DownloadProgress.none(), "v2.0"), dir),
                sst2(), "train", BadRowPolicy.ERROR));
        assertTrue(never.getMessage().contains("offline"), never.getMessage());
    }

    @Test
    void anUnreachableHubFallsBackToTheCachedSplitWithOneWarning() throws IOException {
        Path dir = tmp.resolve("hub-data");
        Path file = tmp.resolve("validation.parquet");
        ParquetFixtures.writeSst2(file, new Object[][] {{utf8("fine"), 1}});
        hub.put(GLUE, COMMIT, "sst2/validation-00000-of-00001.parquet", Files.readAllBytes(file), true, "main");
        SplitLoader.load(source(null, dir), sst2(), "train", BadRowPolicy.ERROR);
        SplitLoader.load(source(null, dir), sst2(), "validation", BadRowPolicy.ERROR);
        hub.close();

        StringWriter log = new StringWriter();
        HubDataSource again = source(null, dir);
        try (AutoCloseable capture = io.mtl4j.testing.LogCapture.into(log)) {
            assertEquals(3, SplitLoader.load(again, sst2(), "train", BadRowPolicy.ERROR).examples().size());
            assertEquals(1, SplitLoader.load(again, sst2(), "validation", BadRowPolicy.ERROR).examples().size());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(1, log.toString().split("cannot connect", -1).length - 1, "one warning, not one per split: " + log);
    }

    @Test
    void anUnknownRevisionIsAOneLineErrorNamingIt() {
        io.mtl4j.util.UserError e = assertThrows(io.mtl4j.util.UserError.class,
                () -> source("no-such-tag", tmp.resolve("hub-data")).locate(sst2(), "validation"));

        assertFalse(e instanceof MissingSplitError, "not passed over as a missing split: " + e.getMessage());
        assertTrue(e.getMessage().contains("no-such-tag"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void dataSourcesGiveTheHubTheDataRevision() throws IOException {
        hub.put(GLUE, COMMIT_V1, "sst2/train-00000-of-00001.parquet", sst2Train("an old review"), true, "v1.0");
        Env env = Env.of(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", tmp.resolve("hf").toString()));
        Path tokens = tmp.resolve("tokens");

        SplitData data = SplitLoader.load(io.mtl4j.data.DataSources.resolve("hub", "v1.0", tokens, env, DownloadProgress.none()),
                sst2(), "train", BadRowPolicy.ERROR);

        assertEquals(List.of("an old review"), texts(data));
        assertEquals(tokens.resolve("hub-data/" + COMMIT_V1 + "/sst2/train-00000-of-00001.parquet"), data.file());
    }

    private HubDataSource source(String revision, Path dir) {
        Env env = Env.of(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", tmp.resolve("hf").toString()));
        return new HubDataSource(GlueHubFetcher.fromEnv(env, DownloadProgress.none(), revision), dir);
    }

    /** Publishes sst2/validation on the hub as two shards of these rows; returns local copies of the shards. */
    private List<Path> publishValidationShards(Object[][] rows0, Object[][] rows1) throws IOException {
        Path first = tmp.resolve("v0.parquet");
        Path second = tmp.resolve("v1.parquet");
        ParquetFixtures.writeSst2(first, rows0);
        ParquetFixtures.writeSst2(second, rows1);
        hub.put(GLUE, COMMIT, "sst2/validation-00000-of-00002.parquet", Files.readAllBytes(first), true, "main");
        hub.put(GLUE, COMMIT, "sst2/validation-00001-of-00002.parquet", Files.readAllBytes(second), true, "main");
        return List.of(first, second);
    }

    private static TaskSpec sst2() {
        return TaskRegistry.glue().get("sst2");
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static List<String> texts(SplitData data) {
        return data.examples().stream().map(e -> e.textA()).toList();
    }

    private byte[] sst2Train(String text) throws IOException {
        Path file = tmp.resolve("train-" + System.nanoTime() + ".parquet");
        ParquetFixtures.writeSst2(file, new Object[][] {{utf8(text), 1}});
        return Files.readAllBytes(file);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
