package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.util.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatcherTest {

    /** Lengths like a GLUE split: mostly short, a long tail. */
    static int[] lengths(int n, long seed) {
        Rng r = new Rng(seed);
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = 3 + (int) Math.min(125, -20 * Math.log(1 - r.nextDouble()));
        }
        return l;
    }

    static List<TokenizedExample> examples(int[] lengths) {
        List<TokenizedExample> out = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            int[] ids = new int[lengths[i]];
            int[] types = new int[lengths[i]];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = 100 + i + t;
                types[t] = t >= ids.length / 2 ? 1 : 0;
            }
            out.add(new TokenizedExample(ids, types, i % 3, Float.NaN));
        }
        return out;
    }

    static void assertEachExactlyOnce(int n, List<int[]> plan) {
        int[] seen = new int[n];
        for (int[] b : plan) {
            for (int i : b) {
                seen[i]++;
            }
        }
        int[] ones = new int[n];
        Arrays.fill(ones, 1);
        assertArrayEquals(ones, seen);
    }

    @Test
    void everyModeCoversEveryExampleOncePerEpoch() {
        int[] len = lengths(5_003, 1);
        for (BatchingConfig c : List.of(BatchingConfig.bucketed(32), BatchingConfig.dynamic(32),
                BatchingConfig.fixed(32, 128), BatchingConfig.bucketed(32).withMaxTokens(2048))) {
            Batcher b = new Batcher(c);
            Rng rng = new Rng(7);
            for (int epoch = 0; epoch < 2; epoch++) {
                List<int[]> plan = b.planEpoch(len, rng);
                assertEachExactlyOnce(len.length, plan);
                assertTrue(plan.stream().allMatch(x -> x.length >= 1 && x.length <= 32), c.toString());
            }
        }
    }

    @Test
    void deterministicForASeedAndResumableFromState() {
        int[] len = lengths(2_000, 2);
        Batcher b = new Batcher(BatchingConfig.bucketed(16));
        List<int[]> first = b.planEpoch(len, new Rng(42));
        List<int[]> again = b.planEpoch(len, new Rng(42));
        assertEquals(first.size(), again.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i), again.get(i));
        }
        assertNotEquals(Arrays.toString(first.get(0)), Arrays.toString(b.planEpoch(len, new Rng(43)).get(0)));

        Rng rng = new Rng(5);
        b.planEpoch(len, rng);
        long saved = rng.getState();
        List<int[]> epoch2 = b.planEpoch(len, rng);
        Rng resumed = new Rng(0);
        resumed.setState(saved);
        List<int[]> replay = b.planEpoch(len, resumed);
        for (int i = 0; i < epoch2.size(); i++) {
            assertArrayEquals(epoch2.get(i), replay.get(i));
        }
    }

    @Test
    void bucketingBeatsPlainDynamicBeatsFixedOnEfficiency() {
        int[] len = lengths(20_000, 3);
        Rng rng = new Rng(1);
        double bucketed = eff(BatchingConfig.bucketed(32), len, rng);
        double dynamic = eff(BatchingConfig.dynamic(32), len, rng);
        double fixed = eff(BatchingConfig.fixed(32, 128), len, rng);
        assertTrue(bucketed > 0.9, "bucketed " + bucketed);
        assertTrue(dynamic < 0.5 && dynamic > fixed, "dynamic " + dynamic + " fixed " + fixed);
        double mean = Arrays.stream(len).average().orElseThrow();
        assertEquals(mean / 128, fixed, 1e-9);
    }

    private static double eff(BatchingConfig c, int[] len, Rng rng) {
        Batcher b = new Batcher(c);
        return b.paddingEfficiency(len, b.planEpoch(len, rng));
    }

    @Test
    void tokenBudgetIsRespected() {
        int[] len = lengths(5_000, 4);
        Batcher b = new Batcher(BatchingConfig.bucketed(64).withMaxTokens(1000));
        List<int[]> plan = b.planEpoch(len, new Rng(9));
        assertEachExactlyOnce(len.length, plan);
        List<TokenizedExample> ex = examples(len);
        for (int[] idx : plan) {
            Batch batch = b.assemble(ex, idx);
            assertTrue(batch.paddedTokens() <= 1000, "padded " + batch.paddedTokens());
        }
        // short examples fill batches up to the row limit, long ones make smaller batches
        assertTrue(plan.stream().anyMatch(x -> x.length == 64));
        assertTrue(plan.stream().anyMatch(x -> x.length < 10));
    }

    @Test
    void budgetSmallerThanAnExampleIsAnError() {
        Batcher b = new Batcher(BatchingConfig.dynamic(8).withMaxTokens(50));
        UserError e = assertThrows(UserError.class, () -> b.planEpoch(new int[] {10, 55, 70, 60}, new Rng(0)));
        assertEquals("--max-tokens 50 is smaller than one example: the longest has 70 padded tokens (example 2 of the split,"
                + " counting from 0); give --max-tokens 70 or more", e.getMessage());
    }

    @Test
    void assembleDynamicPadding() {
        List<TokenizedExample> ex = List.of(
                new TokenizedExample(new int[] {101, 7, 102}, new int[] {0, 0, 0}, 1, Float.NaN),
                new TokenizedExample(new int[] {101, 8, 102, 9, 102}, new int[] {0, 0, 0, 1, 1}, 0, Float.NaN));
        Batch b = new Batcher(BatchingConfig.dynamic(8)).assemble(ex, new int[] {0, 1});
        assertEquals(2, b.batchSize());
        assertEquals(5, b.seqLen());
        assertArrayEquals(new long[] {101, 7, 102, 0, 0, 101, 8, 102, 9, 102}, b.inputIds());
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, b.tokenTypeIds());
        assertArrayEquals(new long[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, b.attentionMask());
        assertArrayEquals(new long[] {1, 0}, b.labels());
        assertEquals(8, b.realTokens());
        assertEquals(0.8, b.paddingEfficiency(), 1e-12);

        Batch fixed = new Batcher(BatchingConfig.fixed(8, 16)).assemble(ex, new int[] {1});
        assertEquals(16, fixed.seqLen());
        assertEquals(16, fixed.inputIds().length);
        assertEquals(5.0 / 16, fixed.paddingEfficiency(), 1e-12);
    }

    @Test
    void noShuffleKeepsFileOrder() {
        int[] len = {5, 3, 9, 4, 4};
        List<int[]> plan = new Batcher(BatchingConfig.dynamic(2).withShuffle(false)).planEpoch(len, new Rng(0));
        assertArrayEquals(new int[] {0, 1}, plan.get(0));
        assertArrayEquals(new int[] {2, 3}, plan.get(1));
        assertArrayEquals(new int[] {4}, plan.get(2));
    }

    @Test
    void fixedLengthTooShortIsAnError() {
        assertThrows(UserError.class,
                () -> new Batcher(BatchingConfig.fixed(4, 8)).planEpoch(new int[] {3, 9}, new Rng(0)));
    }

    @Test
    void inferenceBatchesCoverEveryExampleOnceLongestFirst() {
        int[] lengths = {5, 9, 3, 9, 12, 4, 7, 12, 1, 6, 8};
        List<int[]> plan = Batcher.longestFirst(lengths, 4);
        assertEquals(3, plan.size());
        boolean[] seen = new boolean[lengths.length];
        int previous = Integer.MAX_VALUE;
        for (int[] batch : plan) {
            assertTrue(batch.length <= 4);
            for (int index : batch) {
                assertFalse(seen[index], "example " + index + " twice");
                seen[index] = true;
                assertTrue(lengths[index] <= previous, "lengths never grow: the first batch is the longest");
                previous = lengths[index];
            }
        }
        for (int i = 0; i < seen.length; i++) {
            assertTrue(seen[i], "example " + i + " missing");
        }
        assertArrayEquals(new int[]{4, 7, 1, 3}, plan.get(0), "ties keep input order");
        assertThrows(IllegalArgumentException.class, () -> Batcher.longestFirst(lengths, 0));
    }
}
