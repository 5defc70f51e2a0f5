package io.mtl4j.train;

import io.mtl4j.config.TrainConfig;
import io.mtl4j.data.TaskSampler;
import io.mtl4j.util.Numbers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The one log line that says what a run is about to do: steps, batch, schedule and each task's share. */
final class RunSummary {
    private RunSummary() {
    }

    static String describe(TrainConfig c, List<String> tasks, TaskSampler sampler, int worldSize) {
        long effectiveBatch = (long) c.batchSize() * c.gradAccum() * worldSize;
        String batch = effectiveBatch + (c.gradAccum() == 1 && worldSize == 1 ? ""
                : " (" + c.batchSize() + " x " + c.gradAccum() + " grad-accum x " + worldSize + " rank(s))");
        String lr = Numbers.human(c.lr()) + (c.headLr() == c.lr() ? "" : ", heads " + Numbers.human(c.headLr()));
        return String.format(Locale.ROOT, "%s of effective batch %s; lr %s, %s then %s; %s",
                steps(c.steps()), batch, lr, c.warmupSteps() == 0 ? "no warmup" : c.warmupSteps() + (c.warmupSteps() == 1 ? " warmup step" : " warmup steps"),
                c.schedule(), shares(c, tasks, sampler));
    }

    private static String shares(TrainConfig c, List<String> tasks, TaskSampler sampler) {
        if (tasks.size() == 1) {
            return "single-task: " + tasks.get(0) + " trains every step";
        }
        if (c.mtl().equals("pcgrad")) {
            return "PCGrad: every step takes a batch of each task";
        }
        if (c.sampler().equals("round-robin")) {
            return "round-robin over " + String.join(", ", tasks);
        }
        // The shares of the whole run: for the annealed sampler, which moves from proportional toward
        // uniform, not those of its first step.
        double[] expected = sampler.expectedDraws(c.steps());
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            double share = expected[i] / c.steps();
            parts.add(String.format(Locale.ROOT, "%s %.1f%% (~%s)", tasks.get(i), 100 * share, steps(Math.round(expected[i]))));
        }
        String sampling = c.sampler().equals("temperature") ? "temperature " + Numbers.human(c.temperature()) + " sampling" : c.sampler() + " sampling";
        String when = c.sampler().equals("annealed") ? " over the run (n^α, α annealed from 1 to 0.2)" : "";
        return sampling + ": " + String.join(", ", parts) + when;
    }

    /**
     * The line a finished run ends with: where the best checkpoint is and its dev scores, e.g.
     * {@code best checkpoint (mean of the main metrics): step 1500: sst2 accuracy 0.8761; qqp f1 0.7528,
     * accuracy 0.7982 (RUN/eval.json)}; empty when the run never evaluated.
     */
    static String best(Trainer.Result result, java.nio.file.Path runDir) {
        if (result.bestStep() < 0 || result.bestMetrics().isEmpty()) {
            return "";
        }
        List<String> tasks = new ArrayList<>();
        result.bestMetrics().forEach((task, metrics) -> {
            List<String> scores = new ArrayList<>();
            metrics.forEach((metric, value) -> scores.add(String.format(Locale.ROOT, "%s %.4f", metric, value)));
            tasks.add(task + " " + String.join(", ", scores));
        });
        return "best checkpoint (mean of the main metrics): step " + result.bestStep() + ": " + String.join("; ", tasks)
                + " (" + runDir.resolve("eval.json") + ")";
    }

    /** A wall time as people say it: 45 s, 3 min 05 s, 2 h 07 min. */
    static String duration(java.time.Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60);
    }

    private static String steps(long n) {
        return n + (n == 1 ? " step" : " steps");
    }
}
