package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TaskSamplersTest {
    static final int DRAWS = 100_000;
    static final long[] SIZES = {67_349, 392_702, 3_668, 5_749};

    /** Observed counts agree with a fixed distribution within 5 binomial standard deviations. */
    static void assertMatches(double[] p, TaskSampler s) {
        long[] counts = new long[p.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[s.next()]++;
        }
        for (int i = 0; i < p.length; i++) {
            double mean = DRAWS * p[i];
            double sd = Math.sqrt(DRAWS * p[i] * (1 - p[i]));
            assertTrue(Math.abs(counts[i] - mean) <= 5 * sd + 1e-9,
                    "task " + i + ": " + counts[i] + " vs expected " + mean + " ± " + 5 * sd);
        }
    }

    static double[] normalized(double... w) {
        return TaskSamplers.normalize(w);
    }

    @Test
    void proportional() {
        double[] p = normalized(67_349, 392_702, 3_668, 5_749);
        assertArrayEquals(p, TaskSamplers.proportional(SIZES, 0, 1).probabilities(), 1e-12);
        assertMatches(p, TaskSamplers.proportional(SIZES, 0, 1));
    }

    @Test
    void proportionalWithCap() {
        double[] p = normalized(50_000, 50_000, 3_668, 5_749);
        assertArrayEquals(p, TaskSamplers.proportional(SIZES, 50_000, 2).probabilities(), 1e-12);
        assertMatches(p, TaskSamplers.proportional(SIZES, 50_000, 2));
    }

    @Test
    void temperature() {
        double t = 2.0;
        double[] p = normalized(Math.sqrt(67_349), Math.sqrt(392_702), Math.sqrt(3_668), Math.sqrt(5_749));
        assertArrayEquals(p, TaskSamplers.temperature(SIZES, t, 3).probabilities(), 1e-12);
        assertMatches(p, TaskSamplers.temperature(SIZES, t, 3));
    }

    @Test
    void aSmallTemperatureFavoursTheLargestTaskInsteadOfOverflowing() {
        long[] sizes = {67349, 392702, 363846};
        // T = 0.01: weights n^100 overflow a double; relative to the largest, (n_i / n_max)^100
        double[] p = TaskSamplers.temperature(sizes, 0.01, 1).probabilities();
        double qqp = Math.pow(363846.0 / 392702.0, 100);
        assertArrayEquals(new double[]{0, 1 / (1 + qqp), qqp / (1 + qqp)}, p, 1e-12);
        int[] drawn = new int[3];
        TaskSampler s = TaskSamplers.temperature(sizes, 0.001, 1);
        for (int i = 0; i < 1000; i++) {
            drawn[s.next()]++;
        }
        assertArrayEquals(new int[]{0, 1000, 0}, drawn, "T -> 0 samples only the largest task");
    }

    @Test
    void uniform() {
        assertMatches(new double[] {0.25, 0.25, 0.25, 0.25}, TaskSamplers.uniform(4, 4));
    }

    @Test
    void roundRobinCyclesAndResumes() {
        TaskSampler s = TaskSamplers.roundRobin(3);
        long[] counts = new long[3];
        for (int i = 0; i < DRAWS; i++) {
            int t = s.next();
            assertEquals(i % 3, t);
            counts[t]++;
        }
        assertArrayEquals(new long[] {33_334, 33_333, 33_333}, counts);
        TaskSampler.State st = s.state();
        int expected = s.next();
        TaskSampler r = TaskSamplers.roundRobin(3);
        r.restore(st);
        assertEquals(expected, r.next());
    }

    @Test
    void annealedAlphaGoesFromOneToPointTwo() {
        assertEquals(1.0, TaskSamplers.annealAlpha(0, 1000), 1e-12);
        assertEquals(0.6, TaskSamplers.annealAlpha(500, 1001), 1e-12); // halfway: steps 0..1000
        assertEquals(0.2, TaskSamplers.annealAlpha(999, 1000), 1e-12);
        assertEquals(0.2, TaskSamplers.annealAlpha(5000, 1000), 1e-12);
        TaskSampler s = TaskSamplers.annealed(SIZES, 1000, 1);
        assertArrayEquals(normalized(67_349, 392_702, 3_668, 5_749), s.probabilities(), 1e-12);
    }

    @Test
    void annealedFrequenciesFollowTheSchedule() {
        TaskSampler s = TaskSamplers.annealed(SIZES, DRAWS, 5);
        double[] expected = new double[SIZES.length];
        double[] variance = new double[SIZES.length];
        long[] counts = new long[SIZES.length];
        for (int i = 0; i < DRAWS; i++) {
            double[] p = s.probabilities();
            for (int k = 0; k < p.length; k++) {
                expected[k] += p[k];
                variance[k] += p[k] * (1 - p[k]);
            }
            counts[s.next()]++;
        }
        for (int k = 0; k < SIZES.length; k++) {
            assertTrue(Math.abs(counts[k] - expected[k]) <= 5 * Math.sqrt(variance[k]),
                    "task " + k + ": " + counts[k] + " vs " + expected[k]);
        }
        // the small tasks get clearly more than their proportional share
        assertTrue(counts[2] > 2 * DRAWS * 3_668.0 / 469_468);
    }

    @Test
    void deterministicForASeedAndRestorable() {
        TaskSampler a = TaskSamplers.annealed(SIZES, 10_000, 77);
        TaskSampler b = TaskSamplers.annealed(SIZES, 10_000, 77);
        int[] xs = new int[2_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = a.next();
            assertEquals(xs[i], b.next());
        }
        TaskSampler.State st = a.state();
        int[] tail = new int[500];
        for (int i = 0; i < tail.length; i++) {
            tail[i] = a.next();
        }
        TaskSampler c = TaskSamplers.annealed(SIZES, 10_000, 1);
        c.restore(st);
        for (int v : tail) {
            assertEquals(v, c.next());
        }
        TaskSampler other = TaskSamplers.annealed(SIZES, 10_000, 78);
        int same = 0;
        for (int x : xs) {
            same += other.next() == x ? 1 : 0;
        }
        assertTrue(same < xs.length, "another seed gives another sequence");
    }

    @Test
    void rngIsUnbiasedAndReproducible() {
        Rng r = new Rng(123);
        long[] counts = new long[7];
        for (int i = 0; i < DRAWS; i++) {
            counts[r.nextInt(7)]++;
        }
        double p = 1.0 / 7;
        for (long c : counts) {
            assertTrue(Math.abs(c - DRAWS * p) <= 5 * Math.sqrt(DRAWS * p * (1 - p)), "count " + c);
        }
        // SplitMix64 reference value for seed 0 (as java.util.SplittableRandom's mixing)
        assertEquals(new java.util.SplittableRandom(0).nextLong(), new Rng(0).nextLong());
    }
}
