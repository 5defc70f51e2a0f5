package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A split the hub publishes in several Parquet shards, read from a local --data directory. */
class ShardedSplitTest {
    @TempDir
    Path dir;
    final TaskSpec sst2 = TaskRegistry.glue().get("sst2");

    private Path shard(int i, int of) {
        return dir.resolve("sst2").resolve(String.format("train-%05d-of-%05d.parquet", i, of));
    }

    private void writeShard(int i, int of, String... sentences) throws Exception {
        Files.createDirectories(dir.resolve("sst2"));
        Object[][] rows = new Object[sentences.length][];
        for (int k = 0; k < sentences.length; k++) {
            rows[k] = new Object[] {sentences[k] == null ? null : sentences[k].getBytes(StandardCharsets.UTF_8), k % 2};
        }
        Files.deleteIfExists(shard(i, of)); // rewritten: the Parquet writer creates only new files
        ParquetFixtures.writeSst2(shard(i, of), rows);
    }

    private void writeThreeShards() throws Exception {
        writeShard(0, 3, "a0", "a1");
        writeShard(1, 3, "b0");
        writeShard(2, 3, "c0", "c1", "c2");
    }

    private SplitData load(BadRowPolicy policy) {
        return SplitLoader.load(new SplitLocator(dir), sst2, "train", policy);
    }

    @Test
    void readsTheRowsOfEveryShardInShardOrder() throws Exception {
        writeThreeShards();
        SplitFile file = new SplitLocator(dir).locate(sst2, "train");
        assertEquals(List.of(shard(0, 3), shard(1, 3), shard(2, 3)), file.shards());
        assertEquals(DataFormat.PARQUET, file.format());
        SplitData data = load(BadRowPolicy.ERROR);
        assertEquals(List.of("a0", "a1", "b0", "c0", "c1", "c2"), data.examples().stream().map(Example::textA).toList());
        assertEquals(List.of(0, 1, 0, 0, 1, 0), data.examples().stream().map(Example::label).toList());
    }

    @Test
    void aSingleFileSplitKeepsItsFileHash() throws Exception {
        writeShard(0, 1, "only");
        SplitData data = load(BadRowPolicy.ERROR);
        assertEquals(Hashing.sha256Hex(shard(0, 1)), data.fileSha256());
        assertEquals(new SplitFile(shard(0, 1), DataFormat.PARQUET), new SplitLocator(dir).locate(sst2, "train"));
    }

    @Test
    void theHashOfAShardedSplitCoversEveryShardInOrder() throws Exception {
        writeThreeShards();
        String all = load(BadRowPolicy.ERROR).fileSha256();
        assertEquals(all, load(BadRowPolicy.ERROR).fileSha256());
        assertNotEquals(Hashing.sha256Hex(shard(0, 3)), all);
        writeShard(1, 3, "b0 changed");
        assertNotEquals(all, load(BadRowPolicy.ERROR).fileSha256());
    }

    @Test
    void aMissingShardIsAOneLineErrorNamingIt() throws Exception {
        writeThreeShards();
        Files.delete(shard(1, 3));
        UserError e = assertThrows(UserError.class, () -> load(BadRowPolicy.ERROR));
        assertTrue(e.getMessage().contains("train-00001-of-00003.parquet"), e.getMessage());
        assertFalse(e.getMessage().contains("train-00000-of-00003.parquet missing"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void severalMissingShardsAreAllNamed() throws Exception {
        writeShard(2, 4, "c0");
        UserError e = assertThrows(UserError.class, () -> load(BadRowPolicy.ERROR));
        for (int i : new int[] {0, 1, 3}) {
            assertTrue(e.getMessage().contains(String.format("train-%05d-of-00004.parquet", i)), e.getMessage());
        }
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aSingleFileBesideShardsOfTheSameSplitIsAnErrorNamingBoth() throws Exception {
        writeThreeShards();
        writeShard(0, 1, "stale");
        UserError e = assertThrows(UserError.class, () -> load(BadRowPolicy.ERROR));
        assertTrue(e.getMessage().contains("train-00000-of-00001.parquet"), e.getMessage());
        assertTrue(e.getMessage().contains("train-00000-of-00003.parquet"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aShardNumberedBeyondItsSetIsAnErrorNamingIt() throws Exception {
        writeThreeShards();
        writeShard(3, 3, "d0");
        UserError e = assertThrows(UserError.class, () -> load(BadRowPolicy.ERROR));
        assertTrue(e.getMessage().contains("train-00003-of-00003.parquet cannot be a shard of 3"), e.getMessage());
        Files.delete(shard(3, 3));
        writeShard(0, 0, "none");
        e = assertThrows(UserError.class, () -> load(BadRowPolicy.ERROR));
        assertTrue(e.getMessage().contains("train-00000-of-00000.parquet"), e.getMessage());
    }

    @Test
    void shardsOfAnotherSplitOrNotInTheLayoutAreNotRead() throws Exception {
        writeShard(0, 1, "train row");
        Files.writeString(dir.resolve("sst2/train-0001-of-0003.parquet"), "not five digits");
        Files.writeString(dir.resolve("sst2/train-00001-of-00003.parquet.incomplete"), "partial download");
        Files.writeString(dir.resolve("sst2/validation-00001-of-00002.parquet"), "another split");
        assertEquals(List.of("train row"), load(BadRowPolicy.ERROR).examples().stream().map(Example::textA).toList());
    }

    @Test
    void aBadRowIsReportedAtItsShardAndRow() throws Exception {
        writeShard(0, 2, "a0");
        writeShard(1, 2, "b0", null);
        UserError e = assertThrows(UserError.class, () -> load(BadRowPolicy.ERROR));
        assertTrue(e.getMessage().startsWith(shard(1, 2) + ":2"), e.getMessage());
        SplitData skipped = load(BadRowPolicy.SKIP);
        assertEquals(List.of("a0", "b0"), skipped.examples().stream().map(Example::textA).toList());
        assertEquals(1, skipped.skipped().count());
    }

    @Test
    void aChangedShardInvalidatesTheTokenCache() throws Exception {
        writeThreeShards();
        TokenizedSplitsTest.CharEncoder enc = new TokenizedSplitsTest.CharEncoder();
        Path cache = dir.resolve("cache");
        TokenizedSplits.cached(cache, "fp", 128, sst2, load(BadRowPolicy.ERROR), enc);
        TokenizedSplits.cached(cache, "fp", 128, sst2, load(BadRowPolicy.ERROR), enc);
        assertEquals(1, enc.calls);
        writeShard(2, 3, "c0", "c1", "c2 changed");
        List<TokenizedExample> again = TokenizedSplits.cached(cache, "fp", 128, sst2, load(BadRowPolicy.ERROR), enc);
        assertEquals(2, enc.calls);
        assertEquals(6, again.size());
    }
}
