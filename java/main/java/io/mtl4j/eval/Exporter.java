package io.mtl4j.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.model.CheckpointWriter;
import io.mtl4j.model.HeadInput;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.HfTokenizerConfig;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.Files2;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes one task of a checkpoint as a Hugging Face {@code BertForSequenceClassification}
 * directory: config.json with id2label/label2id, model.safetensors with {@code bert.*} and
 * {@code classifier.*}, tokenizer.json, and a model card (README.md). With pooler heads (the default) Python's
 * transformers computes the same logits; a [CLS] head is not exact there, because HF applies
 * the pooler, and the export says so in config.json ({@code "mtl4j_head_input": "cls"}).
 */
public final class Exporter {
    private static final Logger LOG = LogManager.getLogger(Exporter.class);

    private Exporter() {
    }

    public static void export(LoadedCheckpoint ckpt, String taskName, Path output) throws IOException {
        TaskSpec task = ckpt.task(taskName);
        if (Files.exists(output)) {
            try (var s = Files.list(output)) {
                if (s.findAny().isPresent()) {
                    throw new UserError("--output " + output + " is not empty; nothing was overwritten");
                }
            }
        }
        // Written whole beside the target and renamed into place: an export that fails or is killed
        // midway must not leave a directory that transformers loads, e.g. one without tokenizer_config.json.
        Path target = output.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + target.getFileName() + "-" + System.nanoTime() + AtomicFiles.TEMP_SUFFIX);
        Files.createDirectory(tmp);
        try {
            writeModel(ckpt, task, tmp, output);
            AtomicFiles.syncDirectory(tmp);
            Files.deleteIfExists(target); // empty, as checked above
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(parent);
        } finally {
            Files2.deleteTree(tmp);
        }
    }

    /** Writes the export into {@code output}, a temp directory that becomes {@code target}, the directory the user named. */
    private static void writeModel(LoadedCheckpoint ckpt, TaskSpec task, Path output, Path target) throws IOException {
        MultiTaskModel model = ckpt.model();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.encoder().parameters().forEach((name, t) -> tensors.put("bert." + name, t));
        tensors.put("classifier.weight", model.heads().slot(MultiTaskModel.HEADS_PREFIX + task.name() + ".weight").tensor());
        tensors.put("classifier.bias", model.heads().slot(MultiTaskModel.HEADS_PREFIX + task.name() + ".bias").tensor());
        CheckpointWriter.writeSafetensors(tensors, output.resolve("model.safetensors"), Map.of("format", "pt"));

        ObjectNode config = model.config().encoderRaw();
        config.putArray("architectures").add("BertForSequenceClassification");
        config.put("model_type", "bert");
        ObjectNode id2label = config.putObject("id2label");
        ObjectNode label2id = config.putObject("label2id");
        if (task.isRegression()) {
            id2label.put("0", "LABEL_0");
            label2id.put("LABEL_0", 0);
            config.put("problem_type", "regression");
        } else {
            for (int i = 0; i < task.labelNames().size(); i++) {
                id2label.put(String.valueOf(i), task.labelNames().get(i));
                label2id.put(task.labelNames().get(i), i);
            }
            config.put("problem_type", "single_label_classification");
        }
        config.put("finetuning_task", task.name());
        if (model.headInput() != HeadInput.POOLER) {
            String id = model.headInput().id();
            config.put("mtl4j_head_input", id);
            LOG.warn("task {} was trained with its head on {}; Hugging Face's "
                    + "BertForSequenceClassification applies the pooler to [CLS] instead, so its logits will differ. "
                    + "config.json says \"mtl4j_head_input\": \"{}\".", task.name(),
                    model.headInput() == HeadInput.CLS ? "the raw [CLS] state" : "the mean of the token states", id);
        }
        byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(config);
        AtomicFiles.write(output.resolve("config.json"), out -> out.write(json));
        Path sourceCard = ckpt.dir().resolve(ModelCard.FILE_NAME);
        if (HfClassifierDirectory.FORMAT.equals(ckpt.meta().get("format")) && Files.isRegularFile(sourceCard)) {
            AtomicFiles.copy(sourceCard, output.resolve(ModelCard.FILE_NAME)); // its author's card says more than mtl4j knows
        } else {
            byte[] card = ModelCard.render(ckpt, task).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            AtomicFiles.write(output.resolve(ModelCard.FILE_NAME), out -> out.write(card));
        }
        Path tokenizer = output.resolve(BertTokenizer.FILE_NAME);
        if (BertTokenizer.hasTokenizer(ckpt.dir())) {
            // mtl4j's checkpoints carry a tokenizer.json; a Hugging Face directory may have only vocab.txt
            byte[] tokenizerJson = BertTokenizer.tokenizerJson(ckpt.dir());
            AtomicFiles.write(tokenizer, out -> out.write(tokenizerJson));
            byte[] tokenizerConfig = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(
                    HfTokenizerConfig.of(tokenizer, model.config().maxPositionEmbeddings()));
            AtomicFiles.write(output.resolve(HfTokenizerConfig.FILE_NAME), out -> out.write(tokenizerConfig));
        } else {
            LOG.warn("{} has no tokenizer.json; copy the model's tokenizer into {}", ckpt.dir(), target);
        }
    }
}
