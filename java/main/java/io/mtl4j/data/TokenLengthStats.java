package io.mtl4j.data;

import java.util.Arrays;

/**
 * Summary of token counts per example (special tokens included, after truncation).
 * Percentiles are nearest-rank: the value at 1-based rank {@code ceil(p/100 * n)} of the sorted
 * lengths. With no examples, {@code count} is 0 and the other fields are 0 ({@code mean} NaN).
 */
public record TokenLengthStats(int count, double mean, int p50, int p95, int max) {

    public static TokenLengthStats of(int[] lengths) {
        if (lengths.length == 0) {
            return new TokenLengthStats(0, Double.NaN, 0, 0, 0);
        }
        int[] sorted = lengths.clone();
        Arrays.sort(sorted);
        long sum = 0;
        for (int l : sorted) {
            sum += l;
        }
        return new TokenLengthStats(sorted.length, (double) sum / sorted.length, nearestRank(sorted, 50),
                nearestRank(sorted, 95), sorted[sorted.length - 1]);
    }

    /** The nearest-rank {@code percent} percentile of non-empty ascending {@code sorted}. */
    public static int nearestRank(int[] sorted, double percent) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(percent > 0 && percent <= 100)) {
            throw new IllegalArgumentException("percent must be in (0, 100]: " + percent);
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(1, Math.min(sorted.length, rank)) - 1];
    }
}
