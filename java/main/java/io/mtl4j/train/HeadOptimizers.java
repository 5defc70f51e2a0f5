package io.mtl4j.train;

import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.model.ParameterBuffer;
import io.mtl4j.optim.FlatAdamW;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW for the task heads (and their uncertainty weights), one optimizer per task over that task's
 * range of the heads buffer, stepped only on steps that trained the task. This is what a PyTorch
 * loop does with one optimizer over all parameters and {@code zero_grad()} (set_to_none, the default
 * since torch 2.0): the other tasks' heads get no gradient, so AdamW skips them, and each parameter
 * keeps its own step count for the bias correction. A single optimizer over the whole buffer would
 * instead move every head on every step, along its stale momentum, and decay its weights.
 *
 * <p>The moments of all tasks live in two tensors the size of the buffer (each task's optimizer
 * holds views into them), so a checkpoint stores them as before, plus one step count per task.
 */
final class HeadOptimizers {
    private final ParameterBuffer buffer;
    private final Tensor expAvg;
    private final Tensor expAvgSq;
    private final Map<String, FlatAdamW> byTask = new LinkedHashMap<>();
    /** Each task's [start, end) in the buffer. */
    private final Map<String, long[]> ranges = new LinkedHashMap<>();

    /**
     * @param lrScale   per-element learning-rate multipliers over the whole buffer (null: all 1)
     * @param decayMask per-element 1 where weight decay applies, over the whole buffer
     */
    HeadOptimizers(ParameterBuffer buffer, Collection<String> tasks, Tensor lrScale, Tensor decayMask,
                   double beta1, double beta2, double eps, double weightDecay) {
        this.buffer = buffer;
        this.expAvg = torch.zeros_like(buffer.values());
        this.expAvgSq = torch.zeros_like(buffer.values());
        for (String task : tasks) {
            long[] range = range(buffer, task);
            ranges.put(task, range);
            long start = range[0];
            long n = range[1] - range[0];
            byTask.put(task, new FlatAdamW(buffer.values().narrow(0, start, n), buffer.grads().narrow(0, start, n),
                    expAvg.narrow(0, start, n), expAvgSq.narrow(0, start, n),
                    lrScale == null ? null : lrScale.narrow(0, start, n), decayMask.narrow(0, start, n),
                    beta1, beta2, eps, weightDecay));
        }
    }

    /** [start, end) of the task's slots in the buffer, which must be contiguous. */
    private static long[] range(ParameterBuffer buffer, String task) {
        long start = -1;
        long end = -1;
        for (ParameterBuffer.Slot s : buffer.slots()) {
            if (!belongsTo(s.name(), task)) {
                continue;
            }
            if (start >= 0 && s.offset() != end) {
                throw new IllegalStateException("the parameters of task " + task + " are not contiguous in the heads buffer");
            }
            if (start < 0) {
                start = s.offset();
            }
            end = s.offset() + s.numel();
        }
        if (start < 0) {
            throw new IllegalStateException("no head parameters for task " + task);
        }
        return new long[]{start, end};
    }

    private static boolean belongsTo(String name, String task) {
        return name.startsWith(MultiTaskModel.HEADS_PREFIX + task + ".")
                || name.startsWith(MultiTaskModel.LOSS_WEIGHTS_PREFIX + task + ".");
    }

    /** One update of the heads of {@code trained}, the tasks this step computed a loss for. */
    void step(Collection<String> trained, double lr) {
        for (String task : trained) {
            byTask.get(task).step(lr);
        }
    }

    Tensor expAvg() {
        return expAvg;
    }

    Tensor expAvgSq() {
        return expAvgSq;
    }

    /** The number of updates each task's head has had. */
    Map<String, Long> stepCounts() {
        Map<String, Long> steps = new LinkedHashMap<>();
        byTask.forEach((task, opt) -> steps.put(task, opt.stepCount()));
        return steps;
    }

    /** Restores the moments (over the whole buffer) and each task's step count. */
    void restore(Tensor savedExpAvg, Tensor savedExpAvgSq, Map<String, Long> steps) {
        if (savedExpAvg.numel() != buffer.numel() || savedExpAvgSq.numel() != buffer.numel()) {
            throw new io.mtl4j.util.UserError("optimizer state has " + savedExpAvg.numel()
                    + " head elements but the model has " + buffer.numel() + " (changed tasks or head input?)");
        }
        byTask.forEach((task, opt) -> {
            long[] range = ranges.get(task);
            long n = range[1] - range[0];
            opt.restore(savedExpAvg.narrow(0, range[0], n), savedExpAvgSq.narrow(0, range[0], n), steps.get(task));
        });
    }
}
