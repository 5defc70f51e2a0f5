package io.mtl4j.eval;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.data.DataSource;
import io.mtl4j.data.DataSources;
import io.mtl4j.hub.DownloadProgress;
import io.mtl4j.hub.Env;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.HeadInput;
import io.mtl4j.model.HeadSpec;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.train.Checkpoints;
import io.mtl4j.train.SavedTasks;
import io.mtl4j.util.Suggestions;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trained mtl4j checkpoint ready for inference: the model, its tasks and its saved config; or a Hugging Face
 * BertForSequenceClassification directory read as one (see {@link HfClassifierDirectory}).
 */
public record LoadedCheckpoint(Path dir, MultiTaskModel model, Map<String, TaskSpec> tasks, TrainConfig config,
                               Map<String, Object> meta) {
    private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(LoadedCheckpoint.class);

    public static LoadedCheckpoint load(Path dir, Device device) {
        return load(dir, device, null);
    }

    /**
     * Loads the checkpoint in {@code dir}; its user tasks that {@code taskFile} (may be null) declares are taken
     * from it, files included, when it declares them as the checkpoint's heads were trained (same kind, same
     * labels in the same order); its other tasks are ignored. The checkpoint's other tasks come from the
     * task file it recorded, or, when that is gone, from what it recorded of them.
     */
    public static LoadedCheckpoint load(Path dir, Device device, Path taskFile) {
        return load(dir, device, taskFile, List.of());
    }

    /**
     * As {@link #load(Path, Device, Path)}; {@code dir} may also be a Hugging Face BertForSequenceClassification
     * directory (an export, or a model fine-tuned with transformers), read as a checkpoint with one task: the
     * one task in {@code asked} (the tasks the command was asked for) if it holds one, else the one its
     * config.json's finetuning_task names.
     */
    @SuppressWarnings("unchecked")
    public static LoadedCheckpoint load(Path dir, Device device, Path taskFile, List<String> asked) {
        if (!Files.isDirectory(dir)) {
            throw new UserError(dir + (Files.exists(dir) ? ": a file, not a checkpoint directory"
                    : ": checkpoint directory does not exist"));
        }
        if (HfClassifierDirectory.isOne(dir)) {
            return HfClassifierDirectory.load(dir, device, taskFile, asked);
        }
        Map<String, Object> meta = Checkpoints.readMeta(dir);
        if (!(meta.get("config") instanceof Map<?, ?> saved) || !(meta.get("tasks") instanceof List<?> taskList)) {
            throw new UserError(dir.resolve(Checkpoints.META) + ": missing config or tasks");
        }
        if (taskList.isEmpty()) {
            throw new UserError(dir.resolve(Checkpoints.META) + ": no tasks: the checkpoint holds no task head to"
                    + " evaluate or predict with (its encoder alone can be read with encode or train --model)");
        }
        TrainConfig config = ConfigLoader.fromSaved((Map<String, Object>) saved, dir.resolve(Checkpoints.META).toString());
        TaskRegistry given = taskFile == null ? null : TaskRegistry.glue().withTasksFrom(taskFile);
        java.util.function.Predicate<Object> notGiven = t -> !(t instanceof Map<?, ?> m) || given == null
                || TaskRegistry.glue().contains(String.valueOf(m.get("name"))) || !given.contains(String.valueOf(m.get("name")));
        TaskRegistry registry = TaskRegistry.glue();
        // The recorded task file is read only for tasks --task-file does not declare: an edited or broken
        // file the user points away from must not stand in the way.
        if (config.taskFile() != null && Files.isRegularFile(Path.of(config.taskFile())) && taskList.stream().anyMatch(notGiven)) {
            registry = registry.withTasksFrom(Path.of(config.taskFile()));
        }
        Map<String, TaskSpec> tasks = new LinkedHashMap<>();
        List<HeadSpec> heads = new ArrayList<>();
        boolean taskFileGone = config.taskFile() != null && !Files.isRegularFile(Path.of(config.taskFile()));
        for (Object o : taskList) {
            if (!(o instanceof Map<?, ?> t)) {
                throw new UserError(dir.resolve(Checkpoints.META) + ": a task entry is not an object: " + o);
            }
            String name = String.valueOf(t.get("name"));
            TaskSpec spec = registry.contains(name) ? registry.get(name) : null;
            if (!notGiven.test(t)) {
                spec = given.get(name);
                requireSameHead(dir, taskFile, spec, t);
            }
            if (spec == null && taskFileGone) {
                spec = SavedTasks.rebuild(t).orElse(null);
                if (spec != null) {
                    LOG.warn("task {} was declared in {}, which is not there now: its labels, text fields and main metric"
                            + " come from the checkpoint, and its data files are found by layout (DATA/{}/<split>.jsonl)",
                            name, config.taskFile(), name);
                }
            }
            if (spec == null) {
                throw new UserError(dir + ": checkpoint task " + name + " is not a known task"
                        + (config.taskFile() == null ? "" : " (it was declared in " + config.taskFile()
                        + (taskFileGone ? ", which is not there now)" : ")"))
                        + (taskFile == null ? "" : "; --task-file " + taskFile + " does not declare it"));
            }
            tasks.put(name, spec);
            heads.add(new HeadSpec(name, spec.numLabels(), spec.isRegression(), spec.labelNames()));
        }
        SavedTasks.requireSameLabels(dir, meta, List.copyOf(tasks.values()));
        CheckpointLoader.Loaded loaded = CheckpointLoader.load(dir, Set.of(MultiTaskModel.HEADS_PREFIX, MultiTaskModel.LOSS_WEIGHTS_PREFIX));
        for (HeadSpec h : heads) {
            if (!loaded.extras().containsKey(MultiTaskModel.HEADS_PREFIX + h.task() + ".weight")) {
                throw new UserError(dir + ": checkpoint has no head for task " + h.task());
            }
            // MultiTaskModel.create would initialise a missing bias afresh, as for a new head.
            String bias = MultiTaskModel.HEADS_PREFIX + h.task() + ".bias";
            if (!loaded.extras().containsKey(bias)) {
                throw new UserError(dir + ": checkpoint has no tensor " + bias + "; the checkpoint is incomplete");
            }
        }
        HeadInput headInput = HeadInput.parse(String.valueOf(meta.getOrDefault("head_input", "pooler")),
                dir.resolve(Checkpoints.META) + ": head_input");
        if (headInput == HeadInput.POOLER && !loaded.model().hasPooler()) {
            // ... and a missing pooler at random: every prediction would rest on noise.
            throw new UserError(dir + ": checkpoint has no pooler weights, but its heads read the pooler (" + Checkpoints.META
                    + " head_input \"pooler\"); the checkpoint is incomplete");
        }
        boolean uncertainty = loaded.extras().keySet().stream().anyMatch(k -> k.startsWith(MultiTaskModel.LOSS_WEIGHTS_PREFIX));
        MultiTaskModel model;
        try {
            model = MultiTaskModel.create(loaded.model(), loaded.extras(), heads, headInput,
                    MultiTaskModel.Freezing.NONE, uncertainty, config.seed(), device);
        } catch (UserError e) { // a head tensor of the wrong shape: say which checkpoint
            throw new UserError(dir + ": " + e.getMessage(), e);
        }
        return new LoadedCheckpoint(dir, model, tasks, config, meta);
    }

    /** Throws a one-line error naming the task, the file and what differs when {@code spec} is not what the head was trained as. */
    private static void requireSameHead(Path dir, Path taskFile, TaskSpec spec, Map<?, ?> recorded) {
        boolean regression = recorded.get("regression") instanceof Boolean r ? r : spec.isRegression();
        List<String> labels = recorded.get("labels") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : spec.labelNames();
        if (regression != spec.isRegression() || !labels.equals(spec.labelNames())) {
            throw new UserError("--task-file " + taskFile + " declares task " + spec.name() + " with " + describe(spec.labelNames(),
                    spec.isRegression()) + ", but the checkpoint's head for it (" + dir + ") was trained with " + describe(labels, regression)
                    + ": declare the task with the labels it was trained with, in the same order");
        }
    }

    private static String describe(List<String> labels, boolean regression) {
        return regression ? "a regression score" : "labels " + labels;
    }

    /** The data the checkpoint was trained on, if it can be found from here; else an error asking for --data. */
    public String trainingData() {
        String saved = config.data();
        if (HfClassifierDirectory.FORMAT.equals(meta.get("format"))) {
            throw new UserError("give --data: " + dir + " is a Hugging Face model directory, which does not record"
                    + " the data it was trained on");
        }
        if (saved == null || (!saved.equals("hub") && !Files.isDirectory(Path.of(saved)))) {
            throw new UserError("give --data: the checkpoint was trained on " + (saved == null ? "unrecorded data"
                    : "'" + saved + "', which is not a directory from here"));
        }
        return saved;
    }

    /**
     * Where to read {@code tasks}' data: {@code data} at {@code dataRevision} when --data is given. Without it,
     * the data the checkpoint was trained on, at the revision it was trained at (only {@code --data hub} reads
     * one), or, when every task is a user task, only the files they declare: the training data directory
     * may be gone, and user tasks never read it.
     */
    public DataSource dataSource(String data, String dataRevision, Collection<TaskSpec> tasks, Path tokenCache,
                                 DownloadProgress progress) {
        if (data == null && tasks.stream().allMatch(t -> !t.splitFiles().isEmpty())) {
            return DataSources.forTasks(null, null, tasks, tokenCache, Env.system(), progress);
        }
        String source = data != null ? data : trainingData();
        String revision = data != null || dataRevision != null ? dataRevision
                : DataSources.HUB.equals(source) ? config.dataRevision() : null;
        return DataSources.forTasks(source, revision, tasks, tokenCache, Env.system(), progress);
    }

    public TaskSpec task(String name) {
        TaskSpec spec = tasks.get(name);
        if (spec == null) {
            throw new UserError(dir + ": checkpoint has no head for task " + name + " (it has " + String.join(", ", tasks.keySet()) + ")"
                    + Suggestions.didYouMean(name, tasks.keySet()));
        }
        return spec;
    }
}
