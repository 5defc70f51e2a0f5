package io.mtl4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.model.BertConfig;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.HeadInput;
import io.mtl4j.model.HeadSpec;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.HfTokenizerConfig;
import io.mtl4j.train.Checkpoints;
import io.mtl4j.util.JsonFiles;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face {@code BertForSequenceClassification} directory (an mtl4j export, or a model fine-tuned
 * with transformers) read as a checkpoint with one task: {@code bert.*} is the encoder, {@code classifier.*}
 * the task's head on the pooler (or on what {@code "mtl4j_head_input"} in config.json names). The task is
 * the one task asked for, else config.json's {@code finetuning_task}; the classifier's outputs must be that
 * task's labels in order.
 */
public final class HfClassifierDirectory {
    /** {@code meta.format} of a checkpoint read from such a directory. */
    static final String FORMAT = "transformers";
    private static final Logger LOG = LogManager.getLogger(HfClassifierDirectory.class);
    /** Where a BertForSequenceClassification keeps its head: load a model directory with this extra prefix for {@link #headsFor}. */
    public static final String CLASSIFIER = "classifier.";
    /** transformers' names for labels nobody named: LABEL_0, LABEL_1, ... */
    private static final Pattern DEFAULT_LABEL = Pattern.compile("LABEL_\\d+");

    private HfClassifierDirectory() {
    }

    /** True for a model directory that is not an mtl4j checkpoint, nor one that lost its mtl4j.json. */
    static boolean isOne(Path dir) {
        return Files.isRegularFile(dir.resolve(BertConfig.FILE_NAME))
                && Stream.of(Checkpoints.META, Checkpoints.STATE, Checkpoints.OPTIMIZER).noneMatch(f -> Files.exists(dir.resolve(f)));
    }

    static LoadedCheckpoint load(Path dir, Device device, Path taskFile, List<String> asked) {
        Path configFile = dir.resolve(BertConfig.FILE_NAME);
        JsonNode config = JsonFiles.readObject(configFile);
        TaskRegistry registry = taskFile == null ? TaskRegistry.glue() : TaskRegistry.glue().withTasksFrom(taskFile);
        TaskSpec task = registry.get(task(configFile, config, asked, registry, taskFile));
        HeadInput headInput = headInput(configFile, config);

        CheckpointLoader.Loaded loaded = CheckpointLoader.load(dir, Set.of(CLASSIFIER));
        Tensor weight = loaded.extras().get(CLASSIFIER + "weight");
        Tensor bias = loaded.extras().get(CLASSIFIER + "bias");
        if (weight == null || bias == null) {
            throw new UserError(dir + ": neither an mtl4j checkpoint (no " + Checkpoints.META + ") nor a Hugging Face"
                    + " BertForSequenceClassification (no classifier.weight and classifier.bias in its weights)");
        }
        if (headInput == HeadInput.POOLER && !loaded.model().hasPooler()) {
            throw new UserError(dir + ": no pooler weights, but its classifier reads the pooler output"
                    + " (BertForSequenceClassification's): it cannot be scored as it was trained");
        }
        misfit(configFile, config, task, weight, bias, loaded.model().config().hiddenSize()).ifPresent(why -> {
            throw new UserError(why);
        });
        HeadSpec spec = new HeadSpec(task.name(), task.numLabels(), task.isRegression(), task.labelNames());
        TrainConfig trainConfig = config(dir, task, headInput, taskFile, loaded.model().config().maxPositionEmbeddings());
        MultiTaskModel model = MultiTaskModel.create(loaded.model(), head(task, weight, bias), List.of(spec), headInput,
                MultiTaskModel.Freezing.NONE, false, trainConfig.seed(), device);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("head_input", headInput.id());
        return new LoadedCheckpoint(dir, model, Map.of(task.name(), task), trainConfig, meta);
    }

    /**
     * For a run starting from a model directory: its classifier ({@code classifier.*} in {@code extras}) as the head
     * of the run's task that config.json's finetuning_task names, when it fits that task and the run's head input,
     * as transformers' from_pretrained keeps a classifier of the same shape. Otherwise no head, and the reason logged.
     */
    public static Map<String, Tensor> headsFor(Path modelDir, Map<String, Tensor> extras, List<TaskSpec> tasks,
                                               HeadInput runHeadInput, int hiddenSize) {
        Tensor weight = extras.get(CLASSIFIER + "weight");
        Tensor bias = extras.get(CLASSIFIER + "bias");
        if (weight == null || bias == null || Files.exists(modelDir.resolve(Checkpoints.META))) {
            return Map.of();
        }
        Path configFile = modelDir.resolve(BertConfig.FILE_NAME);
        JsonNode config = JsonFiles.readObject(configFile);
        Map<String, TaskSpec> byName = new LinkedHashMap<>();
        tasks.forEach(t -> byName.put(t.name(), t));
        Optional<String> declared = declaredTask(config, byName::containsKey);
        if (declared.isEmpty()) {
            LOG.info("{}: its classifier (classifier.*) is for {}, not a task of this run: not used",
                    modelDir, config.path("finetuning_task").isTextual() ? "task " + config.get("finetuning_task").asText()
                            : "a task its config.json does not name (no finetuning_task)");
            return Map.of();
        }
        TaskSpec task = byName.get(declared.get());
        Optional<String> misfit = misfit(configFile, config, task, weight, bias, hiddenSize);
        HeadInput classifierInput = headInput(configFile, config);
        if (misfit.isEmpty() && classifierInput != runHeadInput) {
            misfit = Optional.of(configFile + ": its classifier reads the " + classifierInput.id() + " output, this run's heads the "
                    + runHeadInput.id() + " output");
        }
        if (misfit.isPresent()) {
            LOG.warn("{}; task {}'s head starts afresh instead", misfit.get(), task.name());
            return Map.of();
        }
        LOG.info("{}: task {}'s head starts from its classifier (config.json's finetuning_task)", modelDir, task.name());
        return head(task, weight, bias);
    }

    private static Map<String, Tensor> head(TaskSpec task, Tensor weight, Tensor bias) {
        return Map.of(
                MultiTaskModel.HEADS_PREFIX + task.name() + ".weight", weight.to(torch.ScalarType.Float),
                MultiTaskModel.HEADS_PREFIX + task.name() + ".bias", bias.to(torch.ScalarType.Float));
    }

    private static HeadInput headInput(Path configFile, JsonNode config) {
        if (!config.hasNonNull("mtl4j_head_input")) {
            return HeadInput.POOLER;
        }
        return HeadInput.parse(config.get("mtl4j_head_input").asText(), configFile + ": mtl4j_head_input");
    }

    /** The task config.json's finetuning_task names, among {@code known} (transformers' older names, e.g. sst-2 or mnli-mm, included). */
    private static Optional<String> declaredTask(JsonNode config, Predicate<String> known) {
        if (!config.path("finetuning_task").isTextual()) {
            return Optional.empty();
        }
        String name = config.get("finetuning_task").asText().toLowerCase(Locale.ROOT);
        if (name.equals("mnli-mm")) {
            name = "mnli"; // transformers' MNLI scored on its mismatched dev set: the same classifier
        }
        return Stream.of(name, name.replace("-", "")).filter(known).findFirst();
    }

    /**
     * The one task the command was asked for, else the one finetuning_task names. transformers never reads
     * finetuning_task back, so a task named on the command line wins (its labels must still fit the classifier).
     */
    private static String task(Path configFile, JsonNode config, List<String> asked, TaskRegistry registry, Path taskFile) {
        String declared = config.path("finetuning_task").isTextual() ? config.get("finetuning_task").asText() : null;
        Optional<String> known = declaredTask(config, registry::contains);
        // a classifier fine-tuned on a task of the user's own names it in finetuning_task, as an export does
        String ownTask = taskFile == null ? " (a task of your own needs --task-file FILE with its declaration)"
                : " (--task-file " + taskFile + " does not declare it)";
        if (asked.size() == 1) {
            String name = asked.get(0).trim().toLowerCase(Locale.ROOT);
            if (!registry.contains(name)) {
                throw new UserError(configFile + ": its classifier's task '" + name + "' is not a known task" + ownTask
                        + io.mtl4j.util.Suggestions.didYouMean(name, registry.names()));
            }
            if (declared != null && !known.equals(Optional.of(name))) {
                LOG.warn("{}: finetuning_task is '{}'; its classifier is read as task {}, the task asked for", configFile, declared, name);
            }
            return name;
        }
        if (known.isPresent()) {
            return known.get();
        }
        throw new UserError(configFile + (declared != null ? ": finetuning_task '" + declared + "' is not a known task" + ownTask
                : " names no finetuning_task") + ", so the task its classifier predicts is not known: name it, as --task T"
                + " for predict and export or --tasks T for eval");
    }

    /** Why the classifier cannot be read as {@code task}'s head, if it cannot: its kind, its shape, or its labels. */
    private static Optional<String> misfit(Path configFile, JsonNode config, TaskSpec task, Tensor weight, Tensor bias, int hiddenSize) {
        JsonNode architectures = config.path("architectures");
        if (architectures.isArray() && !architectures.isEmpty()
                && java.util.stream.StreamSupport.stream(architectures.spliterator(), false)
                .noneMatch(a -> a.asText().endsWith("ForSequenceClassification"))) {
            // BertForTokenClassification and BertForMultipleChoice keep a classifier.* too, over tokens or choices
            return Optional.of(configFile + ": architectures " + architectures + " has no ...ForSequenceClassification: its"
                    + " classifier does not score a sentence or pair");
        }
        if ("multi_label_classification".equals(config.path("problem_type").asText())) {
            return Optional.of(configFile + ": problem_type multi_label_classification (a sigmoid per label) is not"
                    + " a kind of task mtl4j trains or scores; its tasks are single-label (softmax) or regression");
        }
        long outputs = weight.dim() == 2 ? weight.size(0) : -1;
        if (outputs != task.numLabels() || bias.dim() != 1 || bias.size(0) != outputs || weight.size(1) != hiddenSize) {
            return Optional.of(configFile.getParent() + ": its classifier has " + (outputs < 0 ? "a weight of the wrong rank"
                    : outputs + " outputs") + ", but task " + task.name() + " needs " + (task.isRegression()
                    ? "1 (a regression score)" : task.numLabels() + " (labels " + task.labelNames() + ")"));
        }
        return task.isRegression() ? Optional.empty() : labelMisfit(configFile, config, task);
    }

    /** config.json's id2label must name the task's labels in order (case aside), or be transformers' LABEL_i defaults. */
    private static Optional<String> labelMisfit(Path configFile, JsonNode config, TaskSpec task) {
        JsonNode id2label = config.path("id2label");
        if (!id2label.isObject() || id2label.isEmpty()) {
            return Optional.empty();
        }
        Map<Integer, String> byId = new TreeMap<>();
        for (var it = id2label.fields(); it.hasNext(); ) {
            var e = it.next();
            try {
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException notAnId) {
                return Optional.of(configFile + ": id2label key '" + e.getKey() + "' is not a label id");
            }
        }
        if (!byId.keySet().equals(new java.util.TreeSet<>(java.util.stream.IntStream.range(0, task.numLabels()).boxed().toList()))) {
            // transformers reads id2label[output index]: an output without an id has no label there
            return Optional.of(configFile + ": id2label ids " + byId.keySet() + " are not 0 to " + (task.numLabels() - 1)
                    + ", one for each of the classifier's " + task.numLabels() + " outputs");
        }
        List<String> labels = new ArrayList<>(byId.values());
        if (labels.stream().allMatch(l -> DEFAULT_LABEL.matcher(l).matches())) {
            LOG.info("{}: id2label has transformers' default names {}; reading the outputs as task {}'s labels {}, in that order",
                    configFile, labels, task.name(), task.labelNames());
            return Optional.empty();
        }
        List<String> lower = labels.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList();
        List<String> expected = task.labelNames().stream().map(l -> l.toLowerCase(Locale.ROOT)).toList();
        return lower.equals(expected) ? Optional.empty() : Optional.of(configFile + ": id2label " + labels + " is not task "
                + task.name() + "'s labels " + task.labelNames() + " in that order: the classifier's outputs would be read as the wrong labels");
    }

    /**
     * What eval and predict read of a run's config: the task, the head input, and the length to truncate at,
     * tokenizer_config.json's model_max_length as transformers' tokenizer reads it (else the model's positions).
     */
    private static TrainConfig config(Path dir, TaskSpec task, HeadInput headInput, Path taskFile, int maxPositions) {
        int maxLength = maxPositions;
        Path tokenizerConfig = dir.resolve(HfTokenizerConfig.FILE_NAME);
        if (Files.isRegularFile(tokenizerConfig)) {
            JsonNode length = JsonFiles.readObject(tokenizerConfig).path("model_max_length");
            // canConvertToInt: transformers' "unset" is int(1e30), whose low 64 bits asLong() would keep
            if (length.isIntegralNumber() && length.canConvertToInt() && length.asInt() > 0 && length.asInt() < maxPositions) {
                maxLength = length.asInt();
            }
        }
        Map<String, Object> saved = new LinkedHashMap<>();
        saved.put("model", dir.toString());
        saved.put("tasks", List.of(task.name()));
        saved.put("max-length", maxLength);
        saved.put("head-input", headInput.id());
        saved.put("loss-weight-lr", ConfigLoader.DEFAULTS.get("loss-weight-lr")); // else read as a config saved before the key
        if (taskFile != null) {
            saved.put("task-file", taskFile.toString());
        }
        return ConfigLoader.fromSaved(saved, dir.resolve(BertConfig.FILE_NAME).toString());
    }

}
