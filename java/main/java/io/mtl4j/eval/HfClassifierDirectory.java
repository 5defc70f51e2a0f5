package io.mtl4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face {@code BertForSequenceClassification} directory (an mtl4j export, or a model fine-tuned
 * with transformers) read as a checkpoint with one task: {@code bert.*} is the encoder, {@code classifier.*}
 * the task's head on the pooler (or on what {@code "mtl4j_head_input"} in config.json names). The task is
 * config.json's {@code finetuning_task}, else the one task asked for; the classifier's outputs must be that
 * task's labels in order.
 */
final class HfClassifierDirectory {
    /** {@code meta.format} of a checkpoint read from such a directory. */
    static final String FORMAT = "transformers";
    private static final Logger LOG = LogManager.getLogger(HfClassifierDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLASSIFIER = "classifier.";
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
        JsonNode config = readJson(configFile);
        TaskRegistry registry = taskFile == null ? TaskRegistry.glue() : TaskRegistry.glue().withTasksFrom(taskFile);
        TaskSpec task = registry.get(taskName(configFile, config, registry, asked));
        if ("multi_label_classification".equals(config.path("problem_type").asText())) {
            throw new UserError(configFile + ": problem_type multi_label_classification (a sigmoid per label) is not"
                    + " a kind of task mtl4j scores; its tasks are single-label (softmax) or regression");
        }
        HeadInput headInput = config.hasNonNull("mtl4j_head_input")
                ? HeadInput.parse(config.get("mtl4j_head_input").asText()) : HeadInput.POOLER;

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
        long outputs = weight.dim() == 2 ? weight.size(0) : -1;
        if (outputs != task.numLabels() || bias.dim() != 1 || bias.size(0) != outputs
                || weight.size(1) != loaded.model().config().hiddenSize()) {
            throw new UserError(dir + ": its classifier has " + (outputs < 0 ? "a weight of the wrong rank" : outputs + " outputs")
                    + ", but task " + task.name() + " needs " + (task.isRegression() ? "1 (a regression score)"
                    : task.numLabels() + " (labels " + task.labelNames() + ")"));
        }
        if (!task.isRegression()) {
            requireTaskLabels(configFile, config, task);
        }
        Map<String, Tensor> head = Map.of(
                MultiTaskModel.HEADS_PREFIX + task.name() + ".weight", weight.to(torch.ScalarType.Float),
                MultiTaskModel.HEADS_PREFIX + task.name() + ".bias", bias.to(torch.ScalarType.Float));
        HeadSpec spec = new HeadSpec(task.name(), task.numLabels(), task.isRegression(), task.labelNames());
        TrainConfig trainConfig = config(dir, task, headInput, taskFile, loaded.model().config().maxPositionEmbeddings());
        MultiTaskModel model = MultiTaskModel.create(loaded.model(), head, List.of(spec), headInput,
                MultiTaskModel.Freezing.NONE, false, trainConfig.seed(), device);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("head_input", headInput.id());
        return new LoadedCheckpoint(dir, model, Map.of(task.name(), task), trainConfig, meta);
    }

    /** The task config.json's finetuning_task names (transformers' older names, e.g. sst-2, included), else the one asked for. */
    private static String taskName(Path configFile, JsonNode config, TaskRegistry registry, List<String> asked) {
        String declared = config.path("finetuning_task").isTextual() ? config.get("finetuning_task").asText() : null;
        if (declared != null) {
            String name = declared.toLowerCase(Locale.ROOT);
            if (registry.contains(name)) {
                return name;
            }
            if (registry.contains(name.replace("-", ""))) {
                return name.replace("-", "");
            }
        }
        if (asked.size() == 1) {
            return asked.get(0).trim().toLowerCase(Locale.ROOT);
        }
        throw new UserError(configFile + (declared == null ? " names no finetuning_task"
                : ": finetuning_task '" + declared + "' is not a known task") + ", so the task its classifier predicts"
                + " is not known: name it, as --task T for predict and export or --tasks T for eval");
    }

    /** config.json's id2label must name the task's labels in order (case aside), or be transformers' LABEL_i defaults. */
    private static void requireTaskLabels(Path configFile, JsonNode config, TaskSpec task) {
        JsonNode id2label = config.path("id2label");
        if (!id2label.isObject() || id2label.isEmpty()) {
            return;
        }
        Map<Integer, String> byId = new TreeMap<>();
        id2label.fields().forEachRemaining(e -> {
            try {
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException notAnId) {
                throw new UserError(configFile + ": id2label key '" + e.getKey() + "' is not a label id");
            }
        });
        List<String> labels = new ArrayList<>(byId.values());
        if (labels.stream().allMatch(l -> DEFAULT_LABEL.matcher(l).matches())) {
            LOG.info("{}: id2label has transformers' default names {}; reading the outputs as task {}'s labels {}, in that order",
                    configFile, labels, task.name(), task.labelNames());
            return;
        }
        List<String> lower = labels.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList();
        List<String> expected = task.labelNames().stream().map(l -> l.toLowerCase(Locale.ROOT)).toList();
        if (!lower.equals(expected)) {
            throw new UserError(configFile + ": id2label " + labels + " is not task " + task.name() + "'s labels "
                    + task.labelNames() + " in that order: the classifier's outputs would be read as the wrong labels");
        }
    }

    /**
     * What eval and predict read of a run's config: the task, the head input, and the length to truncate at,
     * tokenizer_config.json's model_max_length as transformers' tokenizer reads it (else the model's positions).
     */
    private static TrainConfig config(Path dir, TaskSpec task, HeadInput headInput, Path taskFile, int maxPositions) {
        int maxLength = maxPositions;
        Path tokenizerConfig = dir.resolve(HfTokenizerConfig.FILE_NAME);
        if (Files.isRegularFile(tokenizerConfig)) {
            JsonNode length = readJson(tokenizerConfig).path("model_max_length");
            if (length.isIntegralNumber() && length.asLong() > 0 && length.asLong() < maxPositions) {
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

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
