package io.mtl4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which evaluation is best: overall by the mean of the tasks' main metrics (the {@code best}
 * checkpoint and {@code eval.json}), and per task by its own main metric ({@code best-<task>}).
 * Counts the evaluations since the mean last improved, for early stopping. A tie is no gain: the
 * earlier checkpoint stays best. An undefined score (NaN, e.g. the correlation of a regression head
 * that predicts a constant; one makes the mean NaN) ranks below every number: the first evaluation
 * is the best so far whatever it scored, and any defined score beats NaN, NaN beats nothing.
 */
final class BestTracker {
    private double bestScore = Double.NaN;
    private long bestStep = -1;
    private Map<String, Double> bestTaskScores = new LinkedHashMap<>();
    private Map<String, Long> bestTaskSteps = new LinkedHashMap<>();
    private Map<String, Map<String, Double>> bestMetrics = new LinkedHashMap<>();
    private Map<String, Map<String, Double>> lastMetrics = new LinkedHashMap<>();
    private long lastEvalStep = -1;
    private int evalsWithoutGain;

    /** What one evaluation changed: whether it is the new best overall, and the tasks it is the new best of. */
    record Update(boolean improved, List<String> improvedTasks) {
    }

    /**
     * Records the evaluation at {@code step}: {@code metrics} as eval.json holds them (task or split
     * key to metric scores), {@code mainScores} each task's main metric on its first dev split.
     */
    Update record(long step, Map<String, Map<String, Double>> metrics, Map<String, Double> mainScores) {
        lastMetrics = metrics;
        lastEvalStep = step;
        double sum = 0;
        for (double score : mainScores.values()) {
            sum += score;
        }
        double mean = sum / Math.max(1, mainScores.size());
        boolean improved = bestStep < 0 || better(mean, bestScore);
        if (improved) {
            bestScore = mean;
            bestStep = step;
            bestMetrics = metrics;
            evalsWithoutGain = 0;
        } else {
            evalsWithoutGain++;
        }
        List<String> improvedTasks = new ArrayList<>();
        mainScores.forEach((task, score) -> {
            Double best = bestTaskScores.get(task);
            if (best == null || better(score, best)) {
                bestTaskScores.put(task, score);
                bestTaskSteps.put(task, step);
                improvedTasks.add(task);
            }
        });
        return new Update(improved, improvedTasks);
    }

    /** True if {@code score} beats {@code best}: a defined score beats NaN, and NaN beats nothing. */
    private static boolean better(double score, double best) {
        return !Double.isNaN(score) && (Double.isNaN(best) || score > best);
    }

    /** True once {@code patience} (> 0) evaluations in a row brought no gain. */
    boolean patienceExhausted(int patience) {
        return patience > 0 && evalsWithoutGain >= patience;
    }

    /**
     * Continues from a checkpoint's state. {@code bestMetrics} are those of the best checkpoint: the
     * state's own, or for checkpoints that predate them, those saved with {@code RUN/best}.
     */
    void restore(TrainerState s, Map<String, Map<String, Double>> bestMetrics) {
        bestScore = s.bestScore();
        bestStep = s.bestStep();
        bestTaskScores = new LinkedHashMap<>(s.bestTaskScores());
        bestTaskSteps = s.bestTaskSteps() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(s.bestTaskSteps());
        evalsWithoutGain = s.evalsWithoutGain();
        lastMetrics = s.metrics() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(s.metrics());
        lastEvalStep = lastMetrics.isEmpty() ? -1 : s.step();
        this.bestMetrics = bestMetrics == null ? new LinkedHashMap<>() : bestMetrics;
    }

    double bestScore() {
        return bestScore;
    }

    long bestStep() {
        return bestStep;
    }

    Map<String, Double> bestTaskScores() {
        return new LinkedHashMap<>(bestTaskScores);
    }

    /** Per task, the step of its best checkpoint (empty for tasks restored from older checkpoints). */
    Map<String, Long> bestTaskSteps() {
        return new LinkedHashMap<>(bestTaskSteps);
    }

    Map<String, Map<String, Double>> bestMetrics() {
        return bestMetrics;
    }

    /** The dev metrics of {@code step}: empty unless the last evaluation was at that step. */
    Map<String, Map<String, Double>> metricsAt(long step) {
        return step == lastEvalStep ? lastMetrics : new LinkedHashMap<>();
    }

    int evalsWithoutGain() {
        return evalsWithoutGain;
    }
}
