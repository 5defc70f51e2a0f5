package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizedSplitsTest {
    @TempDir
    Path dir;

    /** A stand-in tokenizer: [CLS]=1, one id per character, [SEP]=2; B gets type 1. */
    static final class CharEncoder implements TokenizedSplits.BatchEncoder {
        int calls;

        @Override
        public List<int[][]> encode(List<String> a, List<String> b) {
            calls++;
            List<int[][]> out = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                List<Integer> ids = new ArrayList<>(List.of(1));
                List<Integer> types = new ArrayList<>(List.of(0));
                a.get(i).chars().forEach(c -> { ids.add(c); types.add(0); });
                ids.add(2);
                types.add(0);
                if (b != null) {
                    b.get(i).chars().forEach(c -> { ids.add(c); types.add(1); });
                    ids.add(2);
                    types.add(1);
                }
                out.add(new int[][] {ids.stream().mapToInt(x -> x).toArray(), types.stream().mapToInt(x -> x).toArray()});
            }
            return out;
        }
    }

    @Test
    void editingAUserTaskWhereItDoesNotChangeTheRowsKeepsItsCache() throws Exception {
        Path decl = dir.resolve("tasks.yaml");
        Files.writeString(dir.resolve("train.csv"), "text,label\nfun,pos\n");
        String task = "tasks:\n  - name: reviews\n    text_fields: [text]\n    labels: [neg, pos]\n    files: {train: train.csv}\n";
        CharEncoder enc = new CharEncoder();
        for (String edited : List.of(task,
                task.replace("    files:", "    metrics: [f1, accuracy]\n    files:"),
                task.replace("{train: train.csv}", "{train: train.csv, test: test.csv}"))) {
            assertEquals(1, trainLabel(decl, edited, enc));
        }
        assertEquals(1, enc.calls);
        assertEquals(0, trainLabel(decl, task.replace("[neg, pos]", "[pos, neg]"), enc));
        assertEquals(2, enc.calls);
    }

    /** The label of the one train row of task 'reviews' declared by {@code yaml}, through the token cache. */
    private int trainLabel(Path decl, String yaml, CharEncoder enc) throws Exception {
        Files.writeString(decl, yaml);
        TaskSpec spec = TaskRegistry.glue().withTasksFrom(decl).get("reviews");
        SplitData data = SplitLoader.load(new SplitLocator(dir), spec, "train", BadRowPolicy.ERROR);
        return TokenizedSplits.cached(dir.resolve("cache"), "fp", 128, spec, data, enc).get(0).label();
    }

    @Test
    void encodesPairsKeepsLabelsAndCachesUntilTheDataChanges() throws Exception {
        TaskSpec rte = TaskRegistry.glue().get("rte");
        Path tsv = dir.resolve("RTE/train.tsv");
        Files.createDirectories(tsv.getParent());
        Files.writeString(tsv, "index\tsentence1\tsentence2\tlabel\n0\tab\tc\tnot_entailment\n");
        CharEncoder enc = new CharEncoder();
        SplitData data = SplitLoader.load(new SplitLocator(dir), rte, "train", BadRowPolicy.ERROR);
        List<TokenizedExample> first = TokenizedSplits.cached(dir.resolve("cache"), "fp", 128, rte, data, enc);
        assertArrayEquals(new int[] {1, 'a', 'b', 2, 'c', 2}, first.get(0).inputIds());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1}, first.get(0).tokenTypeIds());
        assertEquals(1, first.get(0).label());
        assertEquals(first, TokenizedSplits.cached(dir.resolve("cache"), "fp", 128, rte, data, enc));
        assertEquals(1, enc.calls);
        assertArrayEquals(new int[] {6}, TokenizedSplits.lengths(first));

        Files.writeString(tsv, "index\tsentence1\tsentence2\tlabel\n0\tabc\td\tentailment\n");
        SplitData changed = SplitLoader.load(new SplitLocator(dir), rte, "train", BadRowPolicy.ERROR);
        List<TokenizedExample> second = TokenizedSplits.cached(dir.resolve("cache"), "fp", 128, rte, changed, enc);
        assertEquals(2, enc.calls);
        assertEquals(0, second.get(0).label());
        TokenizedSplits.cached(dir.resolve("cache"), "fp2", 128, rte, changed, enc);
        assertEquals(3, enc.calls, "another tokenizer fingerprint rebuilds");
    }

    @Test
    void aCacheWrittenWhenARowWasSkippedIsRebuiltOnceTheRowIsRead() throws Exception {
        // A cache key does not change with the rules for bad rows: "1.0" was a bad row in CSV, and a
        // cache written under --bad-rows skip then held one example fewer than the rows now read.
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        Files.createDirectories(dir.resolve("sst2"));
        Files.writeString(dir.resolve("sst2/train.csv"), "sentence,label\na,1\nb,1.0\nc,0\n");
        SplitData now = SplitLoader.load(new SplitLocator(dir), sst2, "train", BadRowPolicy.ERROR);
        SplitData then = new SplitData(now.task(), now.split(), now.file(), now.fileSha256(),
                List.of(now.examples().get(0), now.examples().get(2)), now.skipped());
        CharEncoder enc = new CharEncoder();
        assertEquals(2, TokenizedSplits.cached(dir.resolve("cache"), "fp", 128, sst2, then, enc).size());
        List<TokenizedExample> read = TokenizedSplits.cached(dir.resolve("cache"), "fp", 128, sst2, now, enc);
        assertEquals(List.of(1, 1, 0), read.stream().map(TokenizedExample::label).toList());
        assertEquals(2, enc.calls);
        assertEquals(read, TokenizedSplits.cached(dir.resolve("cache"), "fp", 128, sst2, now, enc));
        assertEquals(2, enc.calls, "the rebuilt cache is read");
    }

    @Test
    void alternatingInputsStayCachedAndOnlyTheLeastRecentlyUsedBeyondTheLimitGo() throws Exception {
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        Path cache = dir.resolve("cache");
        CharEncoder enc = new CharEncoder();
        List<SplitData> dataDirs = new ArrayList<>();
        for (int i = 0; i <= TokenizedSplits.KEEP_PER_SPLIT; i++) {
            Path jsonl = dir.resolve("data" + i + "/sst2/train.jsonl");
            Files.createDirectories(jsonl.getParent());
            Files.writeString(jsonl, "{\"sentence\": \"s" + i + "\", \"label\": 1, \"idx\": 0}\n");
            dataDirs.add(SplitLoader.load(new SplitLocator(dir.resolve("data" + i)), sst2, "train", BadRowPolicy.ERROR));
        }
        TokenizedSplits.cached(cache, "fp", 128, sst2, dataDirs.get(0), enc);
        TokenizedSplits.cached(cache, "fp", 128, sst2, dataDirs.get(1), enc);
        TokenizedSplits.cached(cache, "fp", 128, sst2, dataDirs.get(0), enc);
        assertEquals(2, enc.calls, "going back to the first data directory reads its cache");

        Path first = TokenizedSplits.cacheFile(cache, sst2, "train", 128,
                TokenCache.key("fp", dataDirs.get(0).file(), dataDirs.get(0).fileSha256(), 128, sst2));
        Path second = TokenizedSplits.cacheFile(cache, sst2, "train", 128,
                TokenCache.key("fp", dataDirs.get(1).file(), dataDirs.get(1).fileSha256(), 128, sst2));
        Files.setLastModifiedTime(first, java.nio.file.attribute.FileTime.fromMillis(2_000_000_000_000L)); // used last
        Files.setLastModifiedTime(second, java.nio.file.attribute.FileTime.fromMillis(1_000_000L)); // used first
        for (int i = 2; i <= TokenizedSplits.KEEP_PER_SPLIT; i++) {
            TokenizedSplits.cached(cache, "fp", 128, sst2, dataDirs.get(i), enc);
        }
        try (var files = Files.list(cache.resolve("sst2"))) {
            assertEquals(TokenizedSplits.KEEP_PER_SPLIT, files.count());
        }
        assertTrue(Files.exists(first));
        assertFalse(Files.exists(second), "the least recently used tokenization is removed");
        int calls = enc.calls;
        TokenizedSplits.cached(cache, "fp", 128, sst2, dataDirs.get(0), enc);
        assertEquals(calls, enc.calls);
    }

    /**
     * Two processes (ranks, or two users' runs) using one cache with more inputs for a split than it
     * keeps: one's pruning deletes files the other is about to read or has just written. Each must
     * still get its split's rows, never an error.
     */
    @Test
    void twoUsersOfOneCacheEvictingEachOthersFilesBothGetTheirRows() throws Exception {
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        Path cache = dir.resolve("cache");
        List<SplitData> dataDirs = new ArrayList<>();
        for (int i = 0; i < TokenizedSplits.KEEP_PER_SPLIT + 3; i++) {
            Path jsonl = dir.resolve("data" + i + "/sst2/train.jsonl");
            Files.createDirectories(jsonl.getParent());
            Files.writeString(jsonl, ("{\"sentence\": \"s" + i + "\", \"label\": 1, \"idx\": 0}\n").repeat(i + 1));
            dataDirs.add(SplitLoader.load(new SplitLocator(dir.resolve("data" + i)), sst2, "train", BadRowPolicy.ERROR));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                runs.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    CharEncoder enc = new CharEncoder();
                    for (int round = 0; round < 300; round++) {
                        int i = random.nextInt(dataDirs.size());
                        List<TokenizedExample> got = TokenizedSplits.cached(cache, "fp", 128, sst2, dataDirs.get(i), enc);
                        assertEquals(i + 1, got.size(), "rows of data" + i);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> run : runs) {
                run.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (var files = Files.list(cache.resolve("sst2"))) {
            assertTrue(files.filter(p -> p.toString().endsWith(".tok")).count() <= TokenizedSplits.KEEP_PER_SPLIT + 1);
        }
    }
}
