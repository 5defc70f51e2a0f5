package io.mtl4j.train;

import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.model.ParameterBuffer;
import io.mtl4j.runtime.FiniteCheck;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks each step's loss and gradients for NaN and inf before the update, and handles a bad step
 * as configured: stop the run ({@code --on-nonfinite error}), or skip the step until
 * {@code --max-bad-steps} bad steps come in a row ({@code skip}). Either way the run stops only
 * after the last good state is saved.
 */
final class NonFiniteGuard {
    private static final Logger LOG = LogManager.getLogger(NonFiniteGuard.class);

    /** Saves the last good state (the weights from before the bad step). */
    interface Saver {
        void save() throws IOException;
    }

    private final MultiTaskModel model;
    private final boolean skip;
    private final int maxBadSteps;
    private final Path lastGoodState;
    private int badSteps;
    /** Per task, its own bad steps in a row: other tasks' good steps between them do not end that run. */
    private final Map<String, Integer> badStepsOfTask = new TreeMap<>();
    private long skippedSteps;
    private double[] checkedSquares;

    /**
     * @param onNonfinite   "error" or "skip"
     * @param lastGoodState where the saver writes, for the error message
     */
    NonFiniteGuard(MultiTaskModel model, String onNonfinite, int maxBadSteps, Path lastGoodState) {
        this.model = model;
        this.skip = onNonfinite.equals("skip");
        this.maxBadSteps = maxBadSteps;
        this.lastGoodState = lastGoodState;
    }

    /**
     * Returns true when the loss and the gradients are finite. Otherwise, with skipping on, zeroes the
     * gradients and returns false (the caller skips the step); when the run must stop, saves the
     * last good state and throws a {@link UserError} naming the step and the task.
     */
    boolean accept(double loss, String task, long stepNumber, Saver saveLastGood) throws IOException {
        if (!check(loss, task, stepNumber, saveLastGood)) {
            return false;
        }
        stepPassed();
        return true;
    }

    /**
     * Like {@link #accept}, for one of several checks of a step (PCGrad checks each task's loss and
     * gradients): a non-finite result is handled as a bad step, but a finite one does not end the
     * run of bad steps in a row, since a later task of the same step may still be bad. The caller
     * must call {@link #stepPassed()} once every check of the step passed, and must stop checking
     * the step after the first bad result (it is one bad step, counted once).
     */
    boolean check(double loss, String task, long stepNumber, Saver saveLastGood) throws IOException {
        String group = firstNonFiniteGroup(loss);
        if (group == null) {
            badStepsOfTask.remove(task);
            return true;
        }
        String what = "non-finite " + group + " at step " + stepNumber + ", task " + task;
        if (skip) {
            badSteps++;
            skippedSteps++;
            int ofTask = badStepsOfTask.merge(task, 1, Integer::sum);
            LOG.warn("{}: step skipped ({} in a row, {} of {}'s steps in a row)", what, badSteps, ofTask, task);
            model.shared().zeroGrad();
            model.heads().zeroGrad();
            if (badSteps < maxBadSteps && ofTask < maxBadSteps) {
                return false;
            }
            saveLastGood.save();
            throw new UserError(what + ": " + (badSteps >= maxBadSteps ? badSteps + " non-finite steps in a row"
                    : ofTask + " non-finite steps of task " + task + " in a row") + " (--max-bad-steps "
                    + maxBadSteps + "); last good state saved in " + lastGoodState);
        }
        saveLastGood.save();
        throw new UserError(what + "; last good state saved in " + lastGoodState
                + " (--on-nonfinite skip skips such steps)");
    }

    /** The whole step was finite: it ends any run of bad steps in a row. */
    void stepPassed() {
        badSteps = 0;
    }

    /** What is not finite ("loss", "encoder gradients (name)", ...), or null; records the squares when all is. */
    private String firstNonFiniteGroup(double loss) {
        checkedSquares = null;
        if (!Double.isFinite(loss)) {
            return "loss";
        }
        double shared = FiniteCheck.sumOfSquares(model.shared().grads());
        if (!FiniteCheck.allFinite(model.shared().grads(), shared)) {
            return "encoder gradients (" + firstNonFinite(model.shared()) + ")";
        }
        double heads = FiniteCheck.sumOfSquares(model.heads().grads());
        if (!FiniteCheck.allFinite(model.heads().grads(), heads)) {
            return "head gradients (" + firstNonFinite(model.heads()) + ")";
        }
        checkedSquares = new double[]{shared, heads};
        return null;
    }

    private static String firstNonFinite(ParameterBuffer buffer) {
        try (PointerScope scope = new PointerScope()) {
            for (ParameterBuffer.Slot s : buffer.slots()) {
                if (!torch.isfinite(s.tensor().grad()).all().item_bool()) {
                    return s.name();
                }
            }
        }
        return "?";
    }

    /**
     * The gradients' sums of squares (encoder, heads) as the last {@link #accept} call found them
     * finite, for clipping while they are unchanged; null after a bad step.
     */
    double[] checkedSquares() {
        return checkedSquares;
    }

    int badSteps() {
        return badSteps;
    }

    long skippedSteps() {
        return skippedSteps;
    }

    /** Sorted by task, as a copy (Map.copyOf's order changes from JVM to JVM, and so would the saved state). */
    Map<String, Integer> badStepsOfTask() {
        return Collections.unmodifiableMap(new TreeMap<>(badStepsOfTask));
    }

    /** @param badStepsOfTask null from a checkpoint older than the per-task count: none then */
    void restore(int badSteps, long skippedSteps, Map<String, Integer> badStepsOfTask) {
        this.badSteps = badSteps;
        this.skippedSteps = skippedSteps;
        this.badStepsOfTask.clear();
        if (badStepsOfTask != null) {
            this.badStepsOfTask.putAll(badStepsOfTask);
        }
    }
}
