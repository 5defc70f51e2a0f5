package io.mtl4j.data;

/**
 * Chooses which task the next training batch comes from. Implementations are deterministic for
 * a seed; {@link #state()} / {@link #restore} save and resume them exactly.
 * Create them with {@link TaskSamplers}.
 */
public interface TaskSampler {

    /** What a checkpoint stores: the PRNG state and the number of draws made. */
    record State(long rngState, long step) {}

    /** The index (into the task list given at construction) of the next task; advances one step. */
    int next();

    /** The probability of each task at the current step (round-robin: 1 for the next task). */
    double[] probabilities();

    /** Each task's expected number of draws over steps 0..steps-1 from the start (not from the current step). */
    double[] expectedDraws(long steps);

    State state();

    void restore(State state);
}
