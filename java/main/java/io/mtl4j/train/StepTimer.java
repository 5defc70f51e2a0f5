package io.mtl4j.train;

import io.mtl4j.data.Batch;

/**
 * Optional timing hooks of {@link Trainer} (for {@code mtl4j bench train}): the trainer reports how
 * long each phase of a step took and which batches it trained on. Without a timer
 * ({@link #NONE}) the trainer computes exactly the same thing.
 */
public interface StepTimer {
    /** The phases of a training step. Zeroing gradients and the non-finite check count as OPTIMIZER. */
    enum Phase { DATA, FORWARD, BACKWARD, PCGRAD, OPTIMIZER, COMMUNICATION }

    StepTimer NONE = (phase, nanos) -> { };

    /** {@code nanos} more were spent in {@code phase}. */
    void record(Phase phase, long nanos);

    /** A micro-batch was assembled and is about to be trained on. */
    default void batch(Batch batch) {
    }
}
