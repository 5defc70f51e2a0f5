package io.mtl4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.model.HeadInput;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.train.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The README.md of an export, as the hub shows a model card: YAML front matter (library, pipeline, base model,
 * datasets, metrics), the labels, the dev scores measured at the exported checkpoint's step, how it was trained,
 * its provenance (versions, git SHA, data hashes) and how to load it in Python.
 */
final class ModelCard {
    static final String FILE_NAME = "README.md";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The keys of a metrics.jsonl evaluation line that are not scores. */
    private static final Set<String> KEYS = Set.of("step", "split", "task");

    private ModelCard() {
    }

    static String render(LoadedCheckpoint ckpt, TaskSpec task) {
        Map<String, Object> meta = ckpt.meta();
        TrainConfig config = ckpt.config();
        HeadInput headInput = ckpt.model().headInput();
        boolean glue = TaskRegistry.glue().contains(task.name());
        StringBuilder md = new StringBuilder();
        md.append("---\n");
        md.append("library_name: transformers\n");
        md.append("pipeline_tag: ").append(task.isRegression() ? "text-classification  # a regression score" : "text-classification").append('\n');
        md.append("tags:\n  - mtl4j\n  - bert\n  - text-classification\n");
        if (fromHub(config.model(), meta)) {
            md.append("base_model: ").append(config.model()).append('\n');
        }
        if (glue) {
            md.append("datasets:\n  - nyu-mll/glue\n");
        }
        md.append("metrics:\n");
        task.metrics().forEach(m -> md.append("  - ").append(m.id()).append('\n'));
        md.append("---\n\n");

        md.append(HfClassifierDirectory.FORMAT.equals(meta.get("format")) ? reexportIntro(task) : intro(task, config, meta));
        if (headInput != HeadInput.POOLER) {
            md.append("**Not exact in transformers:** the head was trained on ")
                    .append(headInput == HeadInput.CLS ? "the raw [CLS] state" : "the mean of the token states")
                    .append(", but `BertForSequenceClassification` applies the pooler first, so its logits differ from mtl4j's ")
                    .append("(config.json says `\"mtl4j_head_input\": \"").append(headInput.id()).append("\"`).\n\n");
        }

        md.append("## Labels\n\n");
        if (task.isRegression()) {
            md.append("One output: a regression score").append(glue && task.name().equals("stsb") ? " (0 to 5 in STS-B)" : "").append(".\n\n");
        } else {
            md.append("| id | label |\n|---|---|\n");
            for (int i = 0; i < task.labelNames().size(); i++) {
                md.append("| ").append(i).append(" | ").append(cell(task.labelNames().get(i))).append(" |\n");
            }
            md.append('\n');
        }

        Map<String, Map<String, Double>> scores = devScores(ckpt.dir(), meta.get("step"), task.name());
        if (!scores.isEmpty()) {
            md.append("## Dev scores at this checkpoint\n\n");
            md.append("From the run's metrics.jsonl, as fractions (GLUE definitions).\n\n| split | metric | score |\n|---|---|---|\n");
            scores.forEach((split, metrics) -> metrics.forEach((metric, value) -> md.append("| ").append(split).append(" | ")
                    .append(metric).append(" | ").append(String.format(Locale.ROOT, "%.4f", value)).append(" |\n")));
            md.append('\n');
        }

        if (!HfClassifierDirectory.FORMAT.equals(meta.get("format"))) {
            md.append("## Training\n\n");
            md.append("| setting | value |\n|---|---|\n");
            row(md, "base model", config.model());
            row(md, "tasks", String.join(", ", config.tasks()));
            row(md, "steps", String.valueOf(config.steps()));
            row(md, "effective batch", String.valueOf(meta.getOrDefault("effective_batch_size", config.batchSize())));
            row(md, "learning rate", number(config.lr()) + (config.headLr() != config.lr() ? " (heads " + number(config.headLr()) + ")" : ""));
            row(md, "schedule", config.schedule() + ", warmup ratio " + number(config.warmupRatio()));
            if (config.tasks().size() > 1) {
                row(md, "sampler", config.sampler() + (config.sampler().equals("temperature") ? " (T=" + number(config.temperature()) + ")" : ""));
            }
            row(md, "max length", String.valueOf(config.maxLength()));
            row(md, "head input", headInput.id());
            row(md, "seed", String.valueOf(config.seed()));
            md.append('\n');
        }

        if (meta.get("provenance") instanceof Map<?, ?> recorded) {
            Map<Object, Object> provenance = new LinkedHashMap<>(recorded);
            provenance.remove("host"); // a card is published: the machine's name is nobody's business
            md.append("## Provenance\n\n```json\n");
            try {
                md.append(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(provenance));
            } catch (IOException e) {
                md.append(provenance);
            }
            md.append("\n```\n\n");
        }

        md.append("## Use\n\n```python\n");
        md.append("from transformers import AutoModelForSequenceClassification, AutoTokenizer\n");
        md.append("model = AutoModelForSequenceClassification.from_pretrained(DIR)\n");
        md.append("tokenizer = AutoTokenizer.from_pretrained(DIR)\n");
        md.append("inputs = tokenizer(").append(task.isPair() ? "text_a, text_b" : "text").append(", truncation=True, max_length=")
                .append(config.maxLength()).append(", return_tensors=\"pt\")  # max_length as mtl4j read it\n");
        md.append(task.isRegression() ? "score = model(**inputs).logits[0, 0]\n" : "probs = model(**inputs).logits.softmax(-1)\n");
        md.append("```\n\nOr with mtl4j: `mtl4j predict --checkpoint DIR --task ").append(task.name()).append(" --input FILE`.\n");
        return md.toString();
    }

    /**
     * Whether --model {@code model} was a hub id: the run read it from the hub cache's snapshot of that repo. A local
     * directory given relative (models/tiny) looks like a hub id too, and from where export runs it may not exist.
     */
    private static boolean fromHub(String model, Map<String, Object> meta) {
        if (model == null || !io.mtl4j.hub.RepoId.isValid(model)) {
            return false;
        }
        if (!(meta.get("provenance") instanceof Map<?, ?> provenance) || !(provenance.get("model_dir") instanceof String read)) {
            return !Files.isDirectory(Path.of(model));
        }
        Path snapshots = Path.of(read).getParent(); // HF_HOME/hub/models--org--name/snapshots/<commit>
        return snapshots != null && snapshots.getParent() != null && String.valueOf(snapshots.getFileName()).equals("snapshots")
                && String.valueOf(snapshots.getParent().getFileName()).equals("models--" + model.replace("/", "--"));
    }

    private static String intro(TaskSpec task, TrainConfig config, Map<String, Object> meta) {
        boolean joint = config.tasks().size() > 1;
        return "# " + task.name() + " head of an mtl4j " + (joint ? "multi-task" : "single-task") + " model\n\n"
                + "A BERT encoder with one classification head, exported by mtl4j as a `BertForSequenceClassification`"
                + (meta.get("step") != null ? " from the checkpoint of step " + meta.get("step") : "")
                + (joint ? "; the encoder was trained jointly on " + String.join(", ", config.tasks()) + "." : ".") + "\n\n";
    }

    private static String reexportIntro(TaskSpec task) {
        return "# " + task.name() + " classifier\n\nA `BertForSequenceClassification` re-exported by mtl4j from a Hugging Face"
                + " model directory, which records no training run.\n\n";
    }

    /** 5e-5 as 0.00005, 2.0 as 2: no exponent, no trailing zeros. */
    private static String number(double x) {
        return new java.math.BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString();
    }

    private static void row(StringBuilder md, String setting, String value) {
        md.append("| ").append(setting).append(" | ").append(value == null ? "" : cell(value)).append(" |\n");
    }

    /** {@code text} as one Markdown table cell: a | would end the cell, a line break the row. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replaceAll("\\R", " ");
    }

    /**
     * The dev scores of {@code task} evaluated at {@code step}, by split, from metrics.jsonl in the checkpoint's run
     * directory (its parent); none when the run is not beside it or did not evaluate at that step. A later line for
     * the same step (a resumed run's) wins.
     */
    private static Map<String, Map<String, Double>> devScores(Path checkpoint, Object step, String task) {
        Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
        Path run = checkpoint.toAbsolutePath().normalize().getParent();
        if (!(step instanceof Number n) || run == null) {
            return scores;
        }
        for (JsonNode row : MetricsLog.taskLines(run, task)) {
            if (row.has("split") && row.path("step").asLong(-1) == n.longValue()) {
                Map<String, Double> values = new LinkedHashMap<>();
                row.fields().forEachRemaining(e -> {
                    if (!KEYS.contains(e.getKey()) && e.getValue().isNumber()) {
                        values.put(e.getKey(), e.getValue().asDouble());
                    }
                });
                scores.put(row.path("split").asText(), values);
            }
        }
        return scores;
    }
}
