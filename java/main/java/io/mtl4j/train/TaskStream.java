package io.mtl4j.train;

import io.mtl4j.data.Batch;
import io.mtl4j.data.Batcher;
import io.mtl4j.data.Rng;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.data.TokenizedSplits;

import java.util.List;

/**
 * An endless, resumable stream of training batches of one task: epoch after epoch of
 * {@link Batcher} plans, each epoch shuffled by the stream's own RNG. Its {@link Cursor} is
 * saved in checkpoints; restoring it replans the same epoch and continues at the same batch.
 */
public final class TaskStream {
    /** Where the stream stands: epoch, next batch in the epoch, RNG state at the epoch's start. */
    public record Cursor(long epoch, int position, long epochRngState) {
    }

    private final List<TokenizedExample> examples;
    private final int[] lengths;
    private final Batcher batcher;
    private final Rng rng;
    private List<int[]> plan;
    private long epoch;
    private int position;
    private long epochRngState;

    public TaskStream(List<TokenizedExample> examples, Batcher batcher, long seed) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a task with no training examples");
        }
        this.examples = examples;
        this.lengths = TokenizedSplits.lengths(examples);
        this.batcher = batcher;
        this.rng = new Rng(seed);
        startEpoch(0, rng.getState());
    }

    private void startEpoch(long epochNumber, long rngState) {
        epoch = epochNumber;
        epochRngState = rngState;
        rng.setState(rngState);
        plan = batcher.planEpoch(lengths, rng);
        position = 0;
    }

    /** The next batch's example indices, moving to a new epoch when this one is done. */
    public int[] nextIndices() {
        if (position >= plan.size()) {
            startEpoch(epoch + 1, rng.getState());
        }
        return plan.get(position++);
    }

    public Batch assemble(int[] indices) {
        return batcher.assemble(examples, indices);
    }

    /**
     * One batch of every padded length this task can produce, longest first: each holds the longest
     * examples of that length and shorter ones, as many as one batch of that length holds (fewer
     * under a token budget). Touches neither the RNG nor the position.
     */
    public List<Batch> shapeCoveringBatches() {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(lengths[b], lengths[a]));
        io.mtl4j.data.BatchingConfig c = batcher.config();
        boolean fixed = c.padding() == io.mtl4j.data.BatchingConfig.Padding.FIXED;
        List<Batch> out = new java.util.ArrayList<>();
        int previous = -1;
        for (int first = 0; first < order.length; first++) {
            int length = lengths[order[first]];
            if (length == previous) {
                continue;
            }
            previous = length;
            int padded = fixed ? c.fixedLength() : length;
            int rows = c.maxTokens() > 0 ? Math.max(1, Math.min(c.batchSize(), c.maxTokens() / Math.max(1, padded)))
                    : c.batchSize();
            rows = Math.min(rows, order.length - first);
            int[] indices = new int[rows];
            for (int i = 0; i < rows; i++) {
                indices[i] = order[first + i];
            }
            out.add(assemble(indices));
            if (fixed) {
                break; // one shape only
            }
        }
        return out;
    }

    public Cursor cursor() {
        return new Cursor(epoch, position, epochRngState);
    }

    public void restore(Cursor cursor) {
        startEpoch(cursor.epoch(), cursor.epochRngState());
        position = cursor.position();
    }

    public int size() {
        return examples.size();
    }

    public double epochsDone() {
        return epoch + (double) position / Math.max(1, plan.size());
    }
}
