package io.mtl4j.compare;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.train.TrainSession;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Single-task vs multi-task, run by run: for each seed, the multi-task model, then one
 * single-task baseline per task that gets exactly the number of optimizer steps the sampler gave
 * that task in the multi-task run, with the same hyperparameters. Optionally a PCGrad run and a
 * partially frozen run of the same multi-task config.
 */
public final class Comparison {
    private static final Logger LOG = LogManager.getLogger(Comparison.class);

    private Comparison() {
    }

    /** One training run of the comparison: its kind ("multi", "single", "pcgrad", "frozen-K"), seed, tasks, dir. */
    public record Run(String kind, long seed, List<String> tasks, Path dir, Map<String, Long> taskSteps) {
    }

    public static List<Run> run(TrainConfig base, Path output, int seeds, boolean withPcgrad, int frozenLayers)
            throws IOException {
        if (Files.exists(output)) {
            try (var s = Files.list(output)) {
                if (s.findAny().isPresent()) {
                    throw new UserError("--output " + output + " is not empty; nothing was overwritten");
                }
            }
        }
        Files.createDirectories(output);
        List<Run> runs = new ArrayList<>();
        for (int k = 0; k < seeds; k++) {
            long seed = base.seed() + k;
            Path seedDir = output.resolve("seed-" + seed);
            TrainConfig multi = with(base, Map.of("seed", seed));
            TrainSession.Outcome m = TrainSession.run(multi, seedDir.resolve("multi"), null, List.of("compare"));
            runs.add(new Run("multi", seed, multi.tasks(), m.runDir(), m.result().taskSteps()));
            for (String task : base.tasks()) {
                long steps = m.result().taskSteps().getOrDefault(task, 0L);
                if (steps == 0) {
                    LOG.warn("seed {}: the sampler gave {} no steps; no single-task baseline", seed, task);
                    continue;
                }
                Map<String, Object> single = new LinkedHashMap<>();
                single.put("seed", seed);
                single.put("tasks", task);
                single.put("steps", steps);
                single.put("mtl", "plain");
                single.put("loss-weighting", "equal");
                single.put("eval-every", Math.min(base.evalEvery(), steps));
                TrainSession.Outcome s = TrainSession.run(with(base, single), seedDir.resolve("single-" + task), null, List.of("compare"));
                runs.add(new Run("single", seed, List.of(task), s.runDir(), s.result().taskSteps()));
            }
            if (withPcgrad) {
                TrainSession.Outcome p = TrainSession.run(with(base, Map.of("seed", seed, "mtl", "pcgrad")),
                        seedDir.resolve("pcgrad"), null, List.of("compare"));
                runs.add(new Run("pcgrad", seed, base.tasks(), p.runDir(), p.result().taskSteps()));
            }
            if (frozenLayers > 0) {
                TrainSession.Outcome f = TrainSession.run(with(base, Map.of("seed", seed, "freeze-layers", frozenLayers)),
                        seedDir.resolve("frozen-" + frozenLayers), null, List.of("compare"));
                runs.add(new Run("frozen-" + frozenLayers, seed, base.tasks(), f.runDir(), f.result().taskSteps()));
            }
        }
        Report.write(output, runs, TaskRegistry.glue(), base);
        return runs;
    }

    static TrainConfig with(TrainConfig base, Map<String, Object> changes) {
        return ConfigLoader.load(base.toMap(), "compare base", null, changes);
    }
}
