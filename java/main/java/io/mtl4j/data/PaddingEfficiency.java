package io.mtl4j.data;

/** Real / padded tokens of one epoch planned by a {@link Batcher}, computed from lengths alone. */
public final class PaddingEfficiency {
    private PaddingEfficiency() {}

    /** The efficiency of one epoch planned with {@code config} and an {@link Rng} seeded with {@code seed}. */
    public static double of(int[] lengths, BatchingConfig config, long seed) {
        Batcher batcher = new Batcher(config);
        return batcher.paddingEfficiency(lengths, batcher.planEpoch(lengths, new Rng(seed)));
    }
}
