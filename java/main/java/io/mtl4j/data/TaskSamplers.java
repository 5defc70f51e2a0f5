package io.mtl4j.data;

import java.util.Arrays;
import java.util.function.LongFunction;

/**
 * The task sampling schedules, for tasks with {@code sizes[i]} training examples:
 * <ul>
 *   <li>{@link #proportional}: p_i ∝ min(n_i, cap) (no cap: cap = 0)</li>
 *   <li>{@link #temperature}: p_i ∝ n_i^(1/T) (T = 1 proportional, T → ∞ uniform)</li>
 *   <li>{@link #uniform}: p_i = 1/k</li>
 *   <li>{@link #roundRobin}: tasks in turn, 0, 1, ..., k-1, 0, ...</li>
 *   <li>{@link #annealed}: Stickland &amp; Murray (2019): p_i ∝ n_i^α with
 *       α = 1 − 0.8 · step / (totalSteps − 1), from 1 at the first step to 0.2 at the last
 *       (and 0.2 after it). The paper defines the progress per epoch; here it is per step.</li>
 * </ul>
 */
public final class TaskSamplers {
    private TaskSamplers() {}

    public static TaskSampler proportional(long[] sizes, long cap, long seed) {
        double[] w = new double[sizes.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = cap > 0 ? Math.min(sizes[checkSize(sizes, i)], cap) : sizes[checkSize(sizes, i)];
        }
        return fixed(w, seed);
    }

    public static TaskSampler temperature(long[] sizes, double temperature, long seed) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0: " + temperature);
        }
        return fixed(powers(sizes, 1.0 / temperature), seed);
    }

    public static TaskSampler uniform(int tasks, long seed) {
        double[] w = new double[tasks];
        Arrays.fill(w, 1.0);
        return fixed(w, seed);
    }

    public static TaskSampler roundRobin(int tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("need at least one task");
        }
        return new RoundRobin(tasks);
    }

    public static TaskSampler annealed(long[] sizes, long totalSteps, long seed) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be >= 1: " + totalSteps);
        }
        for (int i = 0; i < sizes.length; i++) {
            checkSize(sizes, i);
        }
        return new Weighted(step -> normalize(powers(sizes, annealAlpha(step, totalSteps))), seed);
    }

    /** α of the annealed schedule at {@code step}. */
    public static double annealAlpha(long step, long totalSteps) {
        double progress = totalSteps <= 1 ? 1.0 : Math.min(1.0, (double) step / (totalSteps - 1));
        return 1.0 - 0.8 * progress;
    }

    private static TaskSampler fixed(double[] weights, long seed) {
        double[] p = normalize(weights);
        return new Weighted(step -> p, seed);
    }

    private static int checkSize(long[] sizes, int i) {
        if (sizes[i] <= 0) {
            throw new IllegalArgumentException("task " + i + " has no training examples");
        }
        return i;
    }

    private static double[] powers(long[] sizes, double exponent) {
        double[] w = new double[sizes.length];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.pow(sizes[checkSize(sizes, i)], exponent);
            sum += w[i];
        }
        if (Double.isFinite(sum) && sum > 0) {
            return w;
        }
        // n^(1/T) overflows (or underflows) for a small T: the same weights relative to the largest, in log space.
        double maxLog = Arrays.stream(sizes).mapToDouble(Math::log).max().orElse(0);
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.exp(exponent * (Math.log(sizes[i]) - maxLog));
        }
        return w;
    }

    static double[] normalize(double[] w) {
        if (w.length == 0) {
            throw new IllegalArgumentException("need at least one task");
        }
        double sum = Arrays.stream(w).sum();
        double[] p = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            p[i] = w[i] / sum;
        }
        return p;
    }

    /** Draws from probabilities that may depend on the step. */
    private static final class Weighted implements TaskSampler {
        private final LongFunction<double[]> schedule;
        private final Rng rng;
        private long step;

        Weighted(LongFunction<double[]> schedule, long seed) {
            this.schedule = schedule;
            this.rng = new Rng(seed);
        }

        @Override
        public int next() {
            double[] p = schedule.apply(step++);
            double u = rng.nextDouble();
            double acc = 0;
            for (int i = 0; i < p.length - 1; i++) {
                acc += p[i];
                if (u < acc) {
                    return i;
                }
            }
            return p.length - 1;
        }

        @Override
        public double[] probabilities() {
            return schedule.apply(step).clone();
        }

        @Override
        public double[] expectedDraws(long steps) {
            double[] expected = new double[schedule.apply(0).length];
            for (long t = 0; t < steps; t++) {
                double[] p = schedule.apply(t);
                for (int i = 0; i < expected.length; i++) {
                    expected[i] += p[i];
                }
            }
            return expected;
        }

        @Override
        public State state() {
            return new State(rng.getState(), step);
        }

        @Override
        public void restore(State state) {
            rng.setState(state.rngState());
            step = state.step();
        }
    }

    private static final class RoundRobin implements TaskSampler {
        private final int tasks;
        private long step;

        RoundRobin(int tasks) {
            this.tasks = tasks;
        }

        @Override
        public int next() {
            return (int) (step++ % tasks);
        }

        @Override
        public double[] probabilities() {
            double[] p = new double[tasks];
            p[(int) (step % tasks)] = 1.0;
            return p;
        }

        @Override
        public double[] expectedDraws(long steps) {
            double[] counts = new double[tasks];
            for (int i = 0; i < tasks; i++) {
                counts[i] = steps / tasks + (i < steps % tasks ? 1 : 0);
            }
            return counts;
        }

        @Override
        public State state() {
            return new State(0, step);
        }

        @Override
        public void restore(State state) {
            step = state.step();
        }
    }
}
