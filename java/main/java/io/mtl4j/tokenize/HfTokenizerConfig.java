package io.mtl4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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
    private static final List<String[]> SPECIAL_TOKENS = List.of(
            new String[]{"cls_token", "[CLS]"}, new String[]{"sep_token", "[SEP]"}, new String[]{"pad_token", "[PAD]"},
            new String[]{"unk_token", "[UNK]"}, new String[]{"mask_token", "[MASK]"});

    private HfTokenizerConfig() {
    }

    /** @param modelMaxLength the model's positions: Python truncates there, as mtl4j does */
    public static ObjectNode of(Path tokenizerJson, int modelMaxLength) {
        JsonNode tokenizer;
        try {
            tokenizer = JSON.readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new UserError(tokenizerJson + ": cannot read: " + e.getMessage(), e);
        }
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
        for (String[] token : SPECIAL_TOKENS) {
            if (vocab.has(token[1])) {
                config.put(token[0], token[1]);
            }
        }
        config.put("model_max_length", modelMaxLength);
        config.put("clean_up_tokenization_spaces", true);
        return config;
    }
}
