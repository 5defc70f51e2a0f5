package io.mtl4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The tokenizer_config.json that makes Python's transformers tokenize exactly as tokenizer.json
 * does. Without one, AutoTokenizer picks BertTokenizerFast with its defaults, do_lower_case=True
 * among them, and rewrites the normalizer to match: a cased model would be lowercased. Its
 * settings are therefore read back from the normalizer; a normalizer other than BERT's keeps
 * the generic fast tokenizer, which uses tokenizer.json as it is.
 */
public final class HfTokenizerConfig {
    public static final String FILE_NAME = "tokenizer_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfTokenizerConfig() {
    }

    /** tokenizer_class values for which transformers' AutoTokenizer builds a BertTokenizerFast. */
    private static final Set<String> BERT_CLASSES = Set.of("BertTokenizer", "BertTokenizerFast");

    /**
     * How a model's own tokenizer_config.json makes Python tokenize differently from its
     * tokenizer.json: BertTokenizerFast rebuilds a BertNormalizer from do_lower_case (default
     * true), strip_accents and tokenize_chinese_chars; and any fast tokenizer truncates on its
     * truncation_side, which only defaults to the direction stored in tokenizer.json. One line per
     * setting; empty when they agree.
     */
    public static List<String> conflicts(Path tokenizerJson, Path tokenizerConfig) {
        JsonNode tokenizer = read(tokenizerJson);
        JsonNode normalizer = tokenizer.path("normalizer");
        JsonNode config = read(tokenizerConfig);
        String tokenizerClass = config.path("tokenizer_class").asText("BertTokenizerFast");
        List<String> conflicts = new ArrayList<>();
        String side = "Left".equals(tokenizer.path("truncation").path("direction").asText()) ? "left" : "right";
        String pythonSide = config.path("truncation_side").asText(side);
        if (!side.equals(pythonSide)) {
            conflicts.add("truncation_side " + pythonSide + " (tokenizer.json: truncation direction " + side + ")");
        }
        if (!"BertNormalizer".equals(normalizer.path("type").asText()) || !BERT_CLASSES.contains(tokenizerClass)) {
            return conflicts;
        }
        boolean lowercase = normalizer.path("lowercase").asBoolean(true);
        boolean pythonLowercase = config.path("do_lower_case").asBoolean(true);
        if (lowercase != pythonLowercase) {
            conflicts.add("do_lower_case " + pythonLowercase + " (tokenizer.json: lowercase " + lowercase + ")");
        }
        // null strips accents exactly when lowercasing
        boolean stripAccents = normalizer.path("strip_accents").asBoolean(lowercase);
        boolean pythonStripAccents = config.path("strip_accents").asBoolean(pythonLowercase);
        if (stripAccents != pythonStripAccents) {
            conflicts.add("strip_accents " + pythonStripAccents + " (tokenizer.json: " + stripAccents + ")");
        }
        boolean chinese = normalizer.path("handle_chinese_chars").asBoolean(true);
        boolean pythonChinese = config.path("tokenize_chinese_chars").asBoolean(true);
        if (chinese != pythonChinese) {
            conflicts.add("tokenize_chinese_chars " + pythonChinese + " (tokenizer.json: handle_chinese_chars " + chinese + ")");
        }
        return conflicts;
    }

    private static JsonNode read(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            return node == null ? JSON.createObjectNode() : node;
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * @param modelMaxLength the model's positions, where Python truncates with {@code truncation=True}
     *     (mtl4j's predict and eval truncate at the run's --max-length: README, "Length")
     */
    public static ObjectNode of(Path tokenizerJson, int modelMaxLength) {
        JsonNode tokenizer = read(tokenizerJson);
        ObjectNode config = JSON.createObjectNode();
        JsonNode normalizer = tokenizer.path("normalizer");
        if ("BertNormalizer".equals(normalizer.path("type").asText())) {
            boolean lowercase = normalizer.path("lowercase").asBoolean(true);
            config.put("tokenizer_class", "BertTokenizer");
            config.put("do_lower_case", lowercase);
            JsonNode stripAccents = normalizer.path("strip_accents");
            if (stripAccents.isBoolean()) {
                config.put("strip_accents", stripAccents.asBoolean());
            } else {
                config.putNull("strip_accents"); // BERT's rule: strip accents when lowercasing
            }
            config.put("tokenize_chinese_chars", normalizer.path("handle_chinese_chars").asBoolean(true));
        } else {
            config.put("tokenizer_class", "PreTrainedTokenizerFast");
        }
        JsonNode vocab = tokenizer.path("model").path("vocab");
        VocabTxtConverter.SPECIAL_TOKEN_DEFAULTS.forEach((attribute, token) -> {
            if (vocab.has(token)) {
                config.put(attribute, token);
            }
        });
        config.put("model_max_length", modelMaxLength);
        config.put("clean_up_tokenization_spaces", true);
        return config;
    }
}
