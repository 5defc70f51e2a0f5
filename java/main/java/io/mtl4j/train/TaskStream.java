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
