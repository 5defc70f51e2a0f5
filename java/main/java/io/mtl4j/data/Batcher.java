package io.mtl4j.data;

import io.mtl4j.util.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups examples into batches and pads them.
 *
 * <p>{@link #planEpoch} decides which examples go together (every example exactly once per
 * epoch); {@link #assemble} pads one planned batch into arrays. Planning only needs the
 * lengths, so it is cheap and can be redone on resume: save {@link Rng#getState()} before
 * planning an epoch and the batch index reached; restoring the state replays the same plan.
 *
 * <p>BUCKETED: the shuffled examples are cut into chunks of {@code chunkBatches * batchSize},
 * each chunk is sorted by length and cut into batches, then the batches of the epoch are
 * shuffled. Similar lengths end up together (high padding efficiency) while batches stay random.
 *
 * <p>With a token budget a batch is closed early when one more row would make
 * {@code rows * paddedLength} exceed {@code maxTokens}.
 */
public final class Batcher {
    private final BatchingConfig config;

    public Batcher(BatchingConfig config) {
        this.config = config;
    }

    public BatchingConfig config() {
        return config;
    }

    /** Batches of example indices for one epoch. Uses {@code rng} only if shuffling. */
    public List<int[]> planEpoch(int[] lengths, Rng rng) {
        checkLengths(lengths);
        int n = lengths.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (config.shuffle()) {
            rng.shuffle(order);
        }
        List<int[]> batches = new ArrayList<>();
        if (config.padding() != BatchingConfig.Padding.BUCKETED) {
            cut(order, lengths, batches);
            return batches;
        }
        int chunk = Math.max(1, config.chunkBatches() * config.batchSize());
        for (int start = 0; start < n; start += chunk) {
            int[] part = Arrays.copyOfRange(order, start, Math.min(n, start + chunk));
            int[] sorted = Arrays.stream(part).boxed()
                    .sorted((a, b) -> Integer.compare(lengths[a], lengths[b])) // stable: ties keep shuffled order
                    .mapToInt(Integer::intValue).toArray();
            cut(sorted, lengths, batches);
        }
        if (config.shuffle()) {
            int[] perm = new int[batches.size()];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            rng.shuffle(perm);
            List<int[]> shuffled = new ArrayList<>(perm.length);
            for (int p : perm) {
                shuffled.add(batches.get(p));
            }
            return shuffled;
        }
        return batches;
    }

    /**
     * Batches of example indices for inference: all examples sorted by length (least padding), longest
     * batch first, in input order among equal lengths. Longest first, a batch too large for memory
     * fails at once, and every later batch fits in memory the allocator already holds. That was once
     * seen to be faster too (single runs on an earlier machine); {@code mtl4j bench eval} measures the
     * two orders and found no difference on a later one (README, "Evaluation").
     */
    public static List<int[]> longestFirst(int[] lengths, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1: " + batchSize);
        }
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> lengths[i]).reversed()); // stable
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            int[] batch = new int[end - start];
            for (int j = start; j < end; j++) {
                batch[j - start] = order[j];
            }
            batches.add(batch);
        }
        return batches;
    }

    private void checkLengths(int[] lengths) {
        int longest = -1;
        for (int i = 0; i < lengths.length; i++) {
            int len = lengths[i];
            if (config.padding() == BatchingConfig.Padding.FIXED && len > config.fixedLength()) {
                throw new UserError("example " + i + " has " + len + " tokens, more than the fixed length "
                        + config.fixedLength() + "; tokenize with max length <= " + config.fixedLength());
            }
            if (longest < 0 || len > lengths[longest]) {
                longest = i;
            }
        }
        if (longest >= 0 && config.maxTokens() > 0) {
            // The longest, not the first too long: one error tells the budget that works.
            int padded = config.padding() == BatchingConfig.Padding.FIXED ? config.fixedLength() : lengths[longest];
            if (padded > config.maxTokens()) {
                throw new UserError("--max-tokens " + config.maxTokens() + " is smaller than one example: the longest has "
                        + padded + " padded tokens (example " + longest + " of the split, counting from 0); give --max-tokens "
                        + padded + " or more");
            }
        }
    }

    /** Cuts {@code order} greedily into batches respecting batch size and token budget. */
    private void cut(int[] order, int[] lengths, List<int[]> out) {
        int start = 0;
        int maxLen = 0;
        for (int i = 0; i < order.length; i++) {
            int len = paddedLength(lengths[order[i]]);
            int rows = i - start;
            int newMax = Math.max(maxLen, len);
            boolean full = rows == config.batchSize()
                    || (config.maxTokens() > 0 && (long) (rows + 1) * newMax > config.maxTokens());
            if (rows > 0 && full) {
                out.add(Arrays.copyOfRange(order, start, i));
                start = i;
                newMax = len;
            }
            maxLen = newMax;
        }
        if (start < order.length) {
            out.add(Arrays.copyOfRange(order, start, order.length));
        }
    }

    private int paddedLength(int len) {
        return config.padding() == BatchingConfig.Padding.FIXED ? config.fixedLength() : len;
    }

    /** Pads the examples at {@code indices} into one batch. */
    public Batch assemble(List<TokenizedExample> examples, int[] indices) {
        int rows = indices.length;
        int seqLen = 0;
        for (int idx : indices) {
            seqLen = Math.max(seqLen, examples.get(idx).length());
        }
        seqLen = config.padding() == BatchingConfig.Padding.FIXED ? config.fixedLength() : Math.max(seqLen, 1);
        long[] ids = new long[rows * seqLen];
        long[] types = new long[rows * seqLen];
        long[] mask = new long[rows * seqLen];
        long[] labels = new long[rows];
        float[] scores = new float[rows];
        if (config.padId() != 0) {
            Arrays.fill(ids, config.padId());
        }
        long real = 0;
        for (int r = 0; r < rows; r++) {
            TokenizedExample e = examples.get(indices[r]);
            int len = e.length();
            if (len > seqLen) {
                throw new UserError("example " + indices[r] + " has " + len + " tokens, more than the fixed length " + seqLen);
            }
            int base = r * seqLen;
            for (int t = 0; t < len; t++) {
                ids[base + t] = e.inputIds()[t];
                types[base + t] = e.tokenTypeIds()[t];
                mask[base + t] = 1;
            }
            real += len;
            labels[r] = e.label();
            scores[r] = e.score();
        }
        return new Batch(ids, types, mask, labels, scores, indices.clone(), rows, seqLen, real);
    }

    /** Real / padded tokens over a whole plan, without building the batches. */
    public double paddingEfficiency(int[] lengths, List<int[]> plan) {
        long real = 0;
        for (int[] b : plan) {
            for (int i : b) {
                real += lengths[i];
            }
        }
        long padded = paddedTokens(lengths, plan);
        return padded == 0 ? 1.0 : (double) real / padded;
    }

    /** Tokens of a plan's batches once each is padded as {@link #assemble} pads it. */
    public long paddedTokens(int[] lengths, List<int[]> plan) {
        long padded = 0;
        for (int[] b : plan) {
            padded += (long) b.length * paddedLength(lengths, b);
        }
        return padded;
    }

    /** The length {@link #assemble} pads one batch to. */
    public int paddedLength(int[] lengths, int[] batch) {
        if (config.padding() == BatchingConfig.Padding.FIXED) {
            return config.fixedLength();
        }
        int max = 0;
        for (int i : batch) {
            max = Math.max(max, lengths[i]);
        }
        return Math.max(max, 1);
    }
}
