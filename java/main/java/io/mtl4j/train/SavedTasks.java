package io.mtl4j.train;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

    /**
     * The task as {@code recorded} (one entry of mtl4j.json's "tasks") describes it, or empty when the entry
     * predates any of the fields needed (labels, regression, text fields, label field, main metric).
     */
    public static java.util.Optional<TaskSpec> rebuild(Map<?, ?> recorded) {
        if (!(recorded.get("name") instanceof String name) || !(recorded.get("labels") instanceof List<?> labels)
                || !(recorded.get("regression") instanceof Boolean regression)
                || !(recorded.get("text_fields") instanceof List<?> fields)
                || !(recorded.get("label_field") instanceof String labelField)
                || !(recorded.get("main_metric") instanceof String main)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(TaskSpec.recorded(name, fields.stream().map(String::valueOf).toList(),
                    labels.stream().map(String::valueOf).toList(), regression,
                    io.mtl4j.tasks.Metric.parse(main, "task " + name), labelField));
        } catch (IllegalArgumentException | UserError e) {
            return java.util.Optional.empty(); // an entry edited by hand into something no task is
        }
    }

    /** Throws a one-line error when a task's labels now differ from those the checkpoint was trained with. */
    public static void requireSameLabels(Path checkpoint, Map<String, Object> meta, List<TaskSpec> specs) {
        saved(meta, specs).forEach((spec, task) -> {
            List<String> trained = task.get("labels") instanceof List<?> labels
                    ? labels.stream().map(String::valueOf).toList() : spec.labelNames();
            boolean regression = task.get("regression") instanceof Boolean r ? r : spec.isRegression();
            if (!trained.equals(spec.labelNames()) || regression != spec.isRegression()) {
                throw new UserError(checkpoint.resolve(Checkpoints.META) + ": task " + spec.name() + " was trained with "
                        + describe(trained, regression) + ", but its definition now has " + describe(spec.labelNames(), spec.isRegression())
                        + "; the head's outputs mean the labels it was trained with: restore the task file's labels");
            }
        });
    }

    /**
     * Throws a one-line error when a task file edited in place since the run started now reads other
     * inputs (text fields, label field) or ranks checkpoints by another main metric, which a resume
     * must not mix with what was trained and scored before. What older checkpoints did not record is
     * not checked.
     */
    static void requireSameDefinitions(Path checkpoint, Map<String, Object> meta, List<TaskSpec> specs, String startAgain) {
        List<String> changed = new ArrayList<>();
        saved(meta, specs).forEach((spec, task) -> {
            if (task.get("text_fields") instanceof List<?> fields
                    && !fields.stream().map(String::valueOf).toList().equals(spec.textFields())) {
                changed.add("task " + spec.name() + " text fields " + fields + " -> " + spec.textFields());
            }
            if (task.get("label_field") != null && !String.valueOf(task.get("label_field")).equals(spec.labelField())) {
                changed.add("task " + spec.name() + " label field " + task.get("label_field") + " -> " + spec.labelField());
            }
            if (task.get("main_metric") != null && !String.valueOf(task.get("main_metric")).equals(spec.mainMetric().id())) {
                changed.add("task " + spec.name() + " main metric " + task.get("main_metric") + " -> " + spec.mainMetric().id());
            }
        });
        if (!changed.isEmpty()) {
            throw new UserError("cannot resume " + checkpoint + ": the task definitions changed since the run started: "
                    + String.join(", ", changed) + "; restore the task file, or " + startAgain);
        }
    }

    /** Each of {@code specs} the checkpoint recorded, with what it recorded of it. */
    private static Map<TaskSpec, Map<?, ?>> saved(Map<String, Object> meta, List<TaskSpec> specs) {
        Map<TaskSpec, Map<?, ?>> out = new LinkedHashMap<>();
        if (meta.get("tasks") instanceof List<?> saved) {
            for (Object o : saved) {
                if (o instanceof Map<?, ?> task) {
                    for (TaskSpec spec : specs) {
                        if (spec.name().equals(String.valueOf(task.get("name")))) {
                            out.put(spec, task);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String describe(List<String> labels, boolean regression) {
        return regression ? "a regression score" : "labels " + labels;
    }
}
