package io.mtl4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A Hugging Face BERT {@code config.json}, parsed completely. Every field that changes the
 * computation is either honoured or rejected with an error naming it; the raw JSON is kept so
 * that a saved checkpoint carries every field it was loaded with.
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        Activation hiddenAct,
        double hiddenDropoutProb,
        double attentionProbsDropoutProb,
        int maxPositionEmbeddings,
        int typeVocabSize,
        double initializerRange,
        double layerNormEps,
        int padTokenId,
        ObjectNode raw) {

    public static final String FILE_NAME = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fields that do not affect an encoder's forward pass, or that only Python uses. */
    private static final Set<String> INERT_FIELDS = Set.of(
            "architectures", "model_type", "transformers_version", "torch_dtype", "dtype", "use_cache",
            "gradient_checkpointing", "id2label", "label2id", "classifier_dropout", "problem_type",
            "finetuning_task", "output_past", "bos_token_id", "eos_token_id", "sep_token_id",
            "cls_token_id", "chunk_size_feed_forward", "output_hidden_states", "output_attentions",
            "return_dict", "torchscript", "tie_word_embeddings", "_name_or_path", "name_or_path",
            "tokenizer_class", "prefix", "task_specific_params", "pruned_heads", "directionality",
            "pooler_fc_size", "pooler_num_attention_heads", "pooler_num_fc_layers", "pooler_size_per_head",
            "pooler_type", "mtl4j_head_input", "mtl4j", "is_encoder_decoder", "num_labels");

    /**
     * Fields that describe one task's classification head (as Hugging Face's
     * *ForSequenceClassification configs carry them), not the encoder: an export writes its own,
     * and a checkpoint holding several heads has none.
     */
    private static final List<String> HEAD_FIELDS = List.of(
            "id2label", "label2id", "num_labels", "problem_type", "finetuning_task", "mtl4j_head_input");

    /** Activation functions of the feed-forward block, with Hugging Face's names. */
    public enum Activation {
        GELU("gelu"), GELU_NEW("gelu_new"), GELU_PYTORCH_TANH("gelu_pytorch_tanh"), RELU("relu");

        private final String hfName;

        Activation(String hfName) {
            this.hfName = hfName;
        }

        public String hfName() {
            return hfName;
        }

        static Activation parse(Path file, String name) {
            for (Activation a : values()) {
                if (a.hfName.equals(name)) {
                    return a;
                }
            }
            throw new UserError(file + ": hidden_act \"" + name + "\" is not supported (mtl4j supports gelu, gelu_new, gelu_pytorch_tanh, relu)");
        }
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    public static BertConfig load(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            // The files Checkpoints looks for in a run directory (the model package cannot use train's names).
            if (Files.isRegularFile(modelDir.resolve("metrics.jsonl")) || Files.isDirectory(modelDir.resolve("last"))) {
                throw new UserError(modelDir + ": an mtl4j run directory, not a model; use " + modelDir.resolve("last")
                        + " (or best, step-N, best-<task>)");
            }
            throw new UserError(file + ": config.json not found");
        }
        return parse(file, io.mtl4j.util.JsonFiles.readObject(file));
    }

    public static BertConfig parse(Path file, ObjectNode root) {
        Fields f = new Fields(file, root);
        String modelType = f.optString("model_type", "bert");
        if (!modelType.equals("bert")) {
            throw new UserError(file + ": model_type \"" + modelType + "\" is not a BERT model (mtl4j needs model_type \"bert\")");
        }
        String positionType = f.optString("position_embedding_type", "absolute");
        if (!positionType.equals("absolute")) {
            throw new UserError(file + ": position_embedding_type \"" + positionType + "\" is not supported (only \"absolute\")");
        }
        if (f.optBool("is_decoder", false) || f.optBool("add_cross_attention", false)) {
            throw new UserError(file + ": is_decoder/add_cross_attention is set; mtl4j trains encoders only");
        }
        checkKnownFields(file, root);
        BertConfig config = new BertConfig(
                f.positiveInt("vocab_size"),
                f.positiveInt("hidden_size"),
                f.positiveInt("num_hidden_layers"),
                f.positiveInt("num_attention_heads"),
                f.positiveInt("intermediate_size"),
                Activation.parse(file, f.optString("hidden_act", "gelu")),
                f.probability("hidden_dropout_prob", 0.1),
                f.probability("attention_probs_dropout_prob", 0.1),
                f.positiveInt("max_position_embeddings"),
                f.optPositiveInt("type_vocab_size", 2),
                f.optPositiveDouble("initializer_range", 0.02),
                f.optPositiveDouble("layer_norm_eps", 1e-12),
                f.optInt("pad_token_id", 0),
                root.deepCopy());
        if (config.hiddenSize % config.numAttentionHeads != 0) {
            throw new UserError(file + ": hidden_size " + config.hiddenSize
                    + " is not a multiple of num_attention_heads " + config.numAttentionHeads);
        }
        if (config.numHiddenLayers > MAX_LAYERS) {
            // the parameter list is built from it before any weight is read: 100M layers ran out of heap
            throw new UserError(file + ": num_hidden_layers " + config.numHiddenLayers + " is not a BERT's (at most "
                    + MAX_LAYERS + "; the largest published BERTs have 48)");
        }
        if (config.maxPositionEmbeddings < 3) {
            throw new UserError(file + ": max_position_embeddings " + config.maxPositionEmbeddings
                    + " leaves no room for a token between [CLS] and [SEP] (at least 3)");
        }
        if (config.padTokenId < 0 || config.padTokenId >= config.vocabSize) {
            throw new UserError(file + ": pad_token_id " + config.padTokenId + " is outside the vocabulary");
        }
        return config;
    }

    /** A bound far above any published BERT, so that a corrupt value is refused rather than allocated for. */
    static final int MAX_LAYERS = 1024;

    private static final Set<String> HONOURED_FIELDS = Set.of(
            "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
            "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id",
            "position_embedding_type", "is_decoder", "add_cross_attention");

    private static void checkKnownFields(Path file, ObjectNode root) {
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!HONOURED_FIELDS.contains(name) && !INERT_FIELDS.contains(name)) {
                org.apache.logging.log4j.LogManager.getLogger(BertConfig.class)
                        .warn("{}: field {} is not used by mtl4j's BERT encoder; kept as is", file, name);
            }
        }
    }

    /** Typed access to config fields with errors that name the file and field. */
    private record Fields(Path file, ObjectNode root) {
        JsonNode required(String name) {
            JsonNode node = root.get(name);
            if (node == null || node.isNull()) {
                throw new UserError(file + ": missing required field " + name);
            }
            return node;
        }

        int positiveInt(String name) {
            return checkPositive(name, intValue(name, required(name)));
        }

        int optPositiveInt(String name, int fallback) {
            JsonNode node = root.get(name);
            return node == null || node.isNull() ? fallback : checkPositive(name, intValue(name, node));
        }

        int optInt(String name, int fallback) {
            JsonNode node = root.get(name);
            return node == null || node.isNull() ? fallback : intValue(name, node);
        }

        private int intValue(String name, JsonNode node) {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw new UserError(file + ": field " + name + " must be an integer, got " + node);
            }
            return node.intValue();
        }

        private int checkPositive(String name, int value) {
            if (value <= 0) {
                throw new UserError(file + ": field " + name + " must be positive, got " + value);
            }
            return value;
        }

        double probability(String name, double fallback) {
            JsonNode node = root.get(name);
            if (node == null || node.isNull()) {
                return fallback;
            }
            double v = doubleValue(name, node);
            if (v < 0 || v >= 1) {
                throw new UserError(file + ": field " + name + " must be in [0, 1), got " + v);
            }
            return v;
        }

        double optPositiveDouble(String name, double fallback) {
            JsonNode node = root.get(name);
            if (node == null || node.isNull()) {
                return fallback;
            }
            double v = doubleValue(name, node);
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new UserError(file + ": field " + name + " must be a positive number, got " + node);
            }
            return v;
        }

        private double doubleValue(String name, JsonNode node) {
            if (!node.isNumber()) {
                throw new UserError(file + ": field " + name + " must be a number, got " + node);
            }
            return node.doubleValue();
        }

        String optString(String name, String fallback) {
            JsonNode node = root.get(name);
            if (node == null || node.isNull()) {
                return fallback;
            }
            if (!node.isTextual()) {
                throw new UserError(file + ": field " + name + " must be a string, got " + node);
            }
            return node.asText();
        }

        boolean optBool(String name, boolean fallback) {
            JsonNode node = root.get(name);
            if (node == null || node.isNull()) {
                return fallback;
            }
            if (!node.isBoolean()) {
                throw new UserError(file + ": field " + name + " must be true or false, got " + node);
            }
            return node.asBoolean();
        }
    }

    /**
     * {@link #raw()} without the fields of a classification head, and with the dtype mtl4j saves
     * weights in (float32): an encoder's config.json.
     */
    public ObjectNode encoderRaw() {
        ObjectNode copy = raw.deepCopy();
        copy.remove(HEAD_FIELDS);
        // transformers loads a model in the dtype config.json names under dtype="auto" (its default
        // since v5): a float16 model's field kept as is would run mtl4j's float32 weights in float16.
        copy.put("torch_dtype", "float32");
        if (copy.has("dtype")) {
            copy.put("dtype", "float32");
        }
        return copy;
    }

    /** A small config for tests and examples; fields as Hugging Face names them. */
    public static BertConfig tiny(int vocab, int hidden, int layers, int heads, int intermediate, int maxPositions) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("BertModel");
        root.put("model_type", "bert");
        root.put("vocab_size", vocab);
        root.put("hidden_size", hidden);
        root.put("num_hidden_layers", layers);
        root.put("num_attention_heads", heads);
        root.put("intermediate_size", intermediate);
        root.put("hidden_act", "gelu");
        root.put("hidden_dropout_prob", 0.1);
        root.put("attention_probs_dropout_prob", 0.1);
        root.put("max_position_embeddings", maxPositions);
        root.put("type_vocab_size", 2);
        root.put("initializer_range", 0.02);
        root.put("layer_norm_eps", 1e-12);
        root.put("pad_token_id", 0);
        return parse(Path.of("<tiny config>"), root);
    }
}
