package io.mtl4j.train;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The tasks a checkpoint was trained on, as its mtl4j.json records them. A head's output i means
 * the label its task named i when it was trained; a task file edited since (labels reordered,
 * renamed, or the task turned into regression) must not silently relabel the head's outputs.
 */
public final class SavedTasks {
    private SavedTasks() {
    }

    /** Throws a one-line error when a task's labels now differ from those the checkpoint was trained with. */
    public static void requireSameLabels(Path checkpoint, Map<String, Object> meta, List<TaskSpec> specs) {
        if (!(meta.get("tasks") instanceof List<?> saved)) {
            return;
        }
        for (Object o : saved) {
            if (!(o instanceof Map<?, ?> task)) {
                continue;
            }
            for (TaskSpec spec : specs) {
                if (!spec.name().equals(String.valueOf(task.get("name")))) {
                    continue;
                }
                List<String> trained = task.get("labels") instanceof List<?> labels
                        ? labels.stream().map(String::valueOf).toList() : spec.labelNames();
                boolean regression = task.get("regression") instanceof Boolean r ? r : spec.isRegression();
                if (!trained.equals(spec.labelNames()) || regression != spec.isRegression()) {
                    throw new UserError(checkpoint.resolve(Checkpoints.META) + ": task " + spec.name() + " was trained with "
                            + describe(trained, regression) + ", but its definition now has " + describe(spec.labelNames(), spec.isRegression())
                            + "; the head's outputs mean the labels it was trained with: restore the task file's labels");
                }
            }
        }
    }

    private static String describe(List<String> labels, boolean regression) {
        return regression ? "a regression score" : "labels " + labels;
    }
}
