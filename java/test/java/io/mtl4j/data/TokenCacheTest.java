package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.tasks.Metric;
import io.mtl4j.tasks.ProblemType;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCacheTest {
    @TempDir
    Path dir;
    final TaskSpec sst2 = TaskRegistry.glue().get("sst2");

    static List<TokenizedExample> sample() {
        return List.of(
                new TokenizedExample(new int[] {101, 2023, 102}, new int[] {0, 0, 0}, 1, Float.NaN),
                new TokenizedExample(new int[] {101, 70000, 102, 5, 102}, new int[] {0, 0, 0, 1, 1}, -1, 3.5f),
                new TokenizedExample(new int[] {}, new int[] {}, 0, Float.NaN));
    }

    private String key(Path data, String fingerprint, int maxLen) {
        return keyOf(fingerprint, data, maxLen, sst2);
    }

    private static String keyOf(String fingerprint, Path data, int maxLen, TaskSpec task) {
        return TokenCache.key(fingerprint, data, io.mtl4j.util.Hashing.sha256Hex(data), maxLen, task);
    }

    @Test
    void roundTripsWithWideAndNarrowIds() throws IOException {
        Path data = Files.writeString(dir.resolve("train.jsonl"), "x");
        String k = key(data, "tok", 128);
        Path cache = dir.resolve("c/train.tok");
        TokenCache.write(cache, k, sample());
        assertEquals(sample(), TokenCache.read(cache, k));
        List<TokenizedExample> narrow = List.of(sample().get(0));
        TokenCache.write(cache, k, narrow);
        assertEquals(narrow, TokenCache.read(cache, k));
        assertEquals(TokenCache.HEADER + 12 + 3 * 3 + 4, Files.size(cache)); // uint16 ids
    }

    /**
     * Two users sharing one token cache ({@code --cache-dir} or {@code $MTL4J_CACHE} on a shared disk):
     * a cache file is an ordinary 0644 file like every other mtl4j writes, not the 0600 of its
     * temporary file, or the other user's run fails to read it ("token cache I/O error").
     */
    @Test
    void cacheFileIsReadableByOtherUsersOfASharedCache() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path data = Files.writeString(dir.resolve("train.jsonl"), "x");
        Path cache = dir.resolve("c/train.tok");
        TokenCache.write(cache, key(data, "tok", 128), sample());
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(cache);
        assertTrue(perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                && perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
                "token cache file is " + java.nio.file.attribute.PosixFilePermissions.toString(perms));
    }

    @Test
    void keyChangesWithEveryInput() throws IOException {
        Path data = Files.writeString(dir.resolve("train.jsonl"), "a");
        String k = key(data, "tok", 128);
        assertEquals(k, key(data, "tok", 128));
        assertNotEquals(k, key(data, "tok2", 128));
        assertNotEquals(k, key(data, "tok", 64));
        assertNotEquals(k, keyOf("tok", data, 128, TaskRegistry.glue().get("cola")));
        Files.writeString(data, "b");
        assertNotEquals(k, key(data, "tok", 128));
    }

    @Test
    void builtinTaskKeysAreUnchangedSoExistingCachesStayValid() throws IOException {
        Path data = Files.writeString(dir.resolve("train.jsonl"), "a");
        assertEquals("1336ee6da6711dfc883a9f3f99d28a27822d6ecb91f0ef9a7515559aaed82c88", key(data, "tok", 128));
        assertEquals("11274b1aa6ea4ae7a416838ae4d4c1552cf69c8d60e9ee6c36ba188f947173eb",
                keyOf("tok", data, 128, TaskRegistry.glue().get("mnli")));
    }

    @Test
    void aUserTaskKeyIsTheSameInEveryJvm() throws IOException {
        // Map.copyOf iterated the split files in an order salted per JVM, so the key changed from run to run.
        Map<String, Path> files = new LinkedHashMap<>();
        for (String split : List.of("train", "validation", "test", "dev2", "extra", "holdout")) {
            files.put(split, Path.of(split + ".csv"));
        }
        TaskSpec user = new TaskSpec("reviews", List.of("text"), List.of("neg", "pos"), ProblemType.CLASSIFICATION,
                List.of(Metric.ACCURACY), Metric.ACCURACY, List.copyOf(files.keySet()), "label", files);
        assertEquals(List.copyOf(files.keySet()), List.copyOf(user.splitFiles().keySet()));
        Path data = Files.writeString(dir.resolve("train.csv"), "a");
        // (Changed once on purpose, when user task keys came to hold only how rows are read.)
        assertEquals("dffc1f9fb98bd1bcaf5b2aac78aaacda61eed3ee26215a40c44f7c538082247a", keyOf("tok", data, 128, user));
    }

    @Test
    void aUserTaskKeyTellsApartWhatReadsRowsDifferently() throws IOException {
        Path csv = Files.writeString(dir.resolve("t.csv"), "text\nc\n");
        Path tsv = Files.writeString(dir.resolve("t.tsv"), "text\nc\n");
        TaskSpec abc = userTask(List.of("text"), List.of("a", "b", "c"), "label");
        String k = keyOf("tok", csv, 128, abc);
        // In the declaration's toString both label lists read "[a, b, c]", yet "c" is id 2 in one and 1 in the other.
        assertNotEquals(k, keyOf("tok", csv, 128, userTask(List.of("text"), List.of("a, b", "c"), "label")));
        assertNotEquals(k, keyOf("tok", csv, 128, userTask(List.of("text"), List.of("b", "a", "c"), "label")));
        assertNotEquals(k, keyOf("tok", csv, 128, userTask(List.of("text"), List.of("a", "b", "c"), "gold")));
        assertNotEquals(k, keyOf("tok", csv, 128, userTask(List.of("text", "x"), List.of("a", "b", "c"), "label")));
        assertNotEquals(k, keyOf("tok", tsv, 128, abc)); // the same bytes as TSV
    }

    private static TaskSpec userTask(List<String> fields, List<String> labels, String labelField) {
        return new TaskSpec("t", fields, labels, ProblemType.CLASSIFICATION, List.of(Metric.ACCURACY), Metric.ACCURACY,
                List.of("train"), labelField, Map.of("train", Path.of("t.csv")));
    }

    @Test
    void numericLabelNamesGetANewKeySoCachesOfLabelsReadUnderTheOldRulesAreNotRead() throws Exception {
        // Before the rule that a value equal to a label name is that label, JSON 1 was id 1 ("2") here.
        TaskSpec stars = new TaskSpec("stars", List.of("text"), List.of("1", "2", "3", "4", "5"),
                ProblemType.CLASSIFICATION, List.of(Metric.ACCURACY), Metric.ACCURACY, List.of("train"), "label",
                Map.of("train", Path.of("s.jsonl")));
        Path data = Files.writeString(dir.resolve("s.jsonl"), "a");
        assertNotEquals(keyBeforeNumericLabelRules(data, stars), keyOf("tok", data, 128, stars));
        assertEquals(keyBeforeNumericLabelRules(data, sst2), keyOf("tok", data, 128, sst2));
    }

    private static String keyBeforeNumericLabelRules(Path data, TaskSpec task) throws Exception {
        String s = "mtl4j-token-cache-v1\ntok\n" + io.mtl4j.util.Hashing.sha256Hex(data) + "\n128\n" + task + "\nrows-v2\n";
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void loadOrBuildRebuildsWhenTheDataChanges() throws IOException {
        Path data = Files.writeString(dir.resolve("train.jsonl"), "a");
        Path cache = dir.resolve("train.tok");
        AtomicInteger builds = new AtomicInteger();
        TokenCache.loadOrBuild(cache, key(data, "t", 128), () -> { builds.incrementAndGet(); return sample(); }, any -> true);
        List<TokenizedExample> hit = TokenCache.loadOrBuild(cache, key(data, "t", 128), () -> { builds.incrementAndGet(); return List.of(); }, any -> true);
        assertEquals(1, builds.get());
        assertEquals(sample(), hit);
        Files.writeString(data, "changed");
        List<TokenizedExample> rebuilt = TokenCache.loadOrBuild(cache, key(data, "t", 128), () -> { builds.incrementAndGet(); return List.of(); }, any -> true);
        assertEquals(2, builds.get());
        assertEquals(List.of(), rebuilt);
        assertEquals(key(data, "t", 128), TokenCache.storedKey(cache));
    }

    @Test
    void corruptFilesAreReportedNeverTrusted() throws IOException {
        Path data = Files.writeString(dir.resolve("train.jsonl"), "a");
        String k = key(data, "t", 128);
        Path cache = dir.resolve("train.tok");
        TokenCache.write(cache, k, sample());
        byte[] good = Files.readAllBytes(cache);

        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).order(ByteOrder.LITTLE_ENDIAN).putInt(TokenCache.HEADER - 8, Integer.MAX_VALUE);
        assertCorrupt(cache, hugeCount, k, "example count 2147483647 does not fit");

        byte[] hugeLength = good.clone();
        ByteBuffer.wrap(hugeLength).order(ByteOrder.LITTLE_ENDIAN).putInt(TokenCache.HEADER, 1 << 30);
        assertCorrupt(cache, hugeLength, k, "example 0 has impossible length 1073741824");

        byte[] flipped = good.clone();
        flipped[good.length - 6] ^= 1;
        assertCorrupt(cache, flipped, k, "checksum mismatch");

        assertCorrupt(cache, java.util.Arrays.copyOf(good, good.length - 3), k, "size");
        assertCorrupt(cache, new byte[10], k, "file too short");
        assertCorrupt(cache, good, key(data, "other", 128), "key mismatch");

        Files.write(cache, flipped);
        assertEquals(List.of(), TokenCache.loadOrBuild(cache, k, List::of, any -> true), "corrupt cache is rebuilt");
        assertEquals(List.of(), TokenCache.read(cache, k));
    }

    private void assertCorrupt(Path cache, byte[] content, String key, String reason) throws IOException {
        Files.write(cache, content);
        TokenCache.CorruptCache e = assertThrows(TokenCache.CorruptCache.class, () -> TokenCache.read(cache, key));
        assertTrue(e.getMessage().startsWith(cache + ": corrupt token cache: " + reason), e.getMessage());
    }

    /** Round-trips SST-2's size; how fast it loads is measured by {@code mtl4j bench data}, not asserted here. */
    @Test
    void sst2SizedCacheRoundTrips() throws IOException {
        int[] len = BatcherTest.lengths(67_349, 11);
        List<TokenizedExample> ex = BatcherTest.examples(len);
        Path data = Files.writeString(dir.resolve("train.jsonl"), "a");
        String k = key(data, "t", 128);
        Path cache = dir.resolve("sst2.tok");
        TokenCache.write(cache, k, ex);
        assertEquals(ex, TokenCache.read(cache, k));
    }
}
