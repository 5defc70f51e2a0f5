package io.mtl4j.train;

import java.util.Map;

/**
 * Everything besides tensors that a resumed run needs to continue exactly: the step, the task
 * sampler, each task's batch stream, early stopping and the bookkeeping of the run so far.
 *
 * @param step              optimizer updates done
 * @param samplerRngState   the task sampler's PRNG state
 * @param samplerStep       the task sampler's draw count
 * @param cursors           per task: epoch, position and RNG state of its batch stream
 * @param taskSteps         per task: optimizer steps that trained it
 * @param bestScore         best mean main metric so far (NaN before the first evaluation, or while
 *                          every mean was undefined; JSON holds it as the string "NaN")
 * @param bestStep          step of the best checkpoint
 * @param bestTaskScores    per task: best main metric so far
 * @param evalsWithoutGain  evaluations since the best one (early stopping)
 * @param badSteps          consecutive skipped non-finite steps
 * @param skippedSteps      all skipped non-finite steps
 * @param metrics           dev metrics at this checkpoint (task → metric → value); empty when its step
 *                          was not evaluated (a checkpoint between evaluations, or saved on a stop)
 * @param bestMetrics       dev metrics of the best checkpoint, as eval.json holds them (null in
 *                          checkpoints older than this field: then read from {@code RUN/best})
 * @param bestTaskSteps     per task: step of its best checkpoint (null in older checkpoints)
 * @param badStepsOfTask    per task: its consecutive skipped non-finite steps (a task failing on each of its
 *                          steps between other tasks' good ones); null in checkpoints older than this field
 * @param earlyStopped      true when the run stopped early at this checkpoint (patience ran out), so a
 *                          resume with the same patience ends at once instead of training on; null in
 *                          checkpoints older than this field
 */
public record TrainerState(
        long step,
        long samplerRngState,
        long samplerStep,
        Map<String, TaskStream.Cursor> cursors,
        Map<String, Long> taskSteps,
        double bestScore,
        long bestStep,
        Map<String, Double> bestTaskScores,
        int evalsWithoutGain,
        int badSteps,
        long skippedSteps,
        Map<String, Map<String, Double>> metrics,
        Map<String, Map<String, Double>> bestMetrics,
        Map<String, Long> bestTaskSteps,
        Map<String, Integer> badStepsOfTask,
        Boolean earlyStopped) {
}
