package io.mtl4j.train;

/**
 * Examples per second over recent steps, for the progress bar. A step's own rate swings with its
 * batch (a batch of short SST-2 phrases runs ten times faster than one of long MNLI pairs), so the
 * bar shows the ratio of exponential moving averages of examples and seconds: a rate, not an
 * average of rates, which a single fast step would skew.
 */
final class RunningRate {
    private final double keep;
    private double examples;
    private double seconds;
    private boolean started;

    /** @param keep the weight of the past at each step, in [0, 1); 0.95 averages over ~20 steps */
    RunningRate(double keep) {
        if (!(keep >= 0 && keep < 1)) {
            throw new IllegalArgumentException("keep must be in [0, 1): " + keep);
        }
        this.keep = keep;
    }

    void add(double stepExamples, double stepSeconds) {
        if (!started) {
            examples = stepExamples;
            seconds = stepSeconds;
            started = true;
            return;
        }
        examples = keep * examples + (1 - keep) * stepExamples;
        seconds = keep * seconds + (1 - keep) * stepSeconds;
    }

    /** Examples per second; NaN before the first step. */
    double perSecond() {
        return started ? examples / seconds : Double.NaN;
    }
}
