package io.mtl4j.train;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Kendall et al. (2018) loss balancing with a learned log variance s = log σ² per task:
 * exp(-s)·L + s/2 for a classification loss (cross entropy, σ as a softmax temperature) and
 * exp(-s)·L/2 + s/2 for a regression loss (mean squared error, σ as the Gaussian's deviation).
 * At the optimum over s the task's loss gets the weight 1/(2L) in both cases.
 */
final class UncertaintyWeighting {
    private UncertaintyWeighting() {
    }

    /**
     * The objective of one micro-batch: {@code loss} is its part of the task's mean loss and
     * {@code share} its fraction of the step's examples, so that the s-term sums to s/2 over the step.
     */
    static Tensor objective(Tensor loss, Tensor logVar, boolean regression, double share) {
        Tensor precision = logVar.neg().exp().sum();
        return loss.mul(precision).mul(new Scalar(lossFactor(regression)))
                .add(logVar.sum().mul(new Scalar(0.5 * share)));
    }

    /** The factor the objective puts on the task's loss at log variance {@code s}. */
    static double weight(double s, boolean regression) {
        return lossFactor(regression) * Math.exp(-s);
    }

    private static double lossFactor(boolean regression) {
        return regression ? 0.5 : 1.0;
    }
}
