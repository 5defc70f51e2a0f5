package io.mtl4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.util.JsonFiles;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Builds the tokenizer.json that transformers' fast tokenizer derives (its {@code BertConverter})
 * from a model that ships only the slow tokenizer's files: {@code vocab.txt} and, optionally,
 * {@code tokenizer_config.json} and {@code special_tokens_map.json}. The slow BertTokenizer's
 * defaults apply where they are silent: lowercasing, splitting CJK characters, and stripping
 * accents exactly when lowercasing.
 */
public final class VocabTxtConverter {
    public static final String VOCAB_FILE = "vocab.txt";
    public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    /** The optional files with the slow tokenizer's settings and special tokens. */
    public static final List<String> SETTINGS_FILES = List.of(HfTokenizerConfig.FILE_NAME, SPECIAL_TOKENS_MAP);
    /** Every file the generated tokenizer.json depends on. */
    public static final List<String> SOURCE_FILES = List.of(VOCAB_FILE, HfTokenizerConfig.FILE_NAME, SPECIAL_TOKENS_MAP);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * transformers' special token attributes BERT uses, with BertTokenizer's defaults, in transformers' order
     * (which decides the ids of those a vocab.txt lacks).
     */
    static final Map<String, String> SPECIAL_TOKEN_DEFAULTS = orderedMap(
            "unk_token", "[UNK]", "sep_token", "[SEP]", "pad_token", "[PAD]", "cls_token", "[CLS]", "mask_token", "[MASK]");

    /** The slow tokenizer classes transformers converts with its BertConverter (each also with a "Fast" suffix). */
    private static final Set<String> BERT_CONVERTER_CLASSES = Set.of("BertTokenizer", "ConvBertTokenizer",
            "DistilBertTokenizer", "DPRReaderTokenizer", "DPRQuestionEncoderTokenizer", "DPRContextEncoderTokenizer",
            "ElectraTokenizer", "LayoutLMTokenizer", "LayoutLMv2Tokenizer", "LxmertTokenizer", "MobileBertTokenizer",
            "RealmTokenizer", "RetriBertTokenizer", "SqueezeBertTokenizer");
    /** Tokens added after training, which the generated tokenizer.json does not hold. */
    private static final String ADDED_TOKENS_FILE = "added_tokens.json";
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(VocabTxtConverter.class);

    private VocabTxtConverter() {
    }

    /** Whether {@code modelDir} has the files {@link #toTokenizerJson} needs. */
    public static boolean canConvert(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve(VOCAB_FILE));
    }

    /** The generated tokenizer.json, as UTF-8 bytes; the same files always give the same bytes. */
    public static byte[] toTokenizerJson(Path modelDir) {
        Map<String, Integer> vocab = readVocab(modelDir.resolve(VOCAB_FILE));
        Path configFile = modelDir.resolve(HfTokenizerConfig.FILE_NAME);
        JsonNode config = readOptional(configFile);
        String tokenizerClass = config.path("tokenizer_class").asText("BertTokenizer").replaceFirst("Fast$", "");
        if (!BERT_CONVERTER_CLASSES.contains(tokenizerClass)) {
            // e.g. MPNet, Funnel or RoFormer: a WordPiece vocab.txt too, but other special tokens or pre-tokenizers
            throw new UserError(configFile + ": tokenizer_class " + config.path("tokenizer_class").asText()
                    + " is not one mtl4j can build from vocab.txt (BERT's WordPiece only); the model needs a tokenizer.json");
        }
        if (Files.isRegularFile(modelDir.resolve(ADDED_TOKENS_FILE))) {
            LOG.warn("{}: mtl4j ignores tokens added to the vocabulary; Python's tokenizer would use them",
                    modelDir.resolve(ADDED_TOKENS_FILE));
        }
        JsonNode specialTokensMap = readOptional(modelDir.resolve(SPECIAL_TOKENS_MAP));
        Map<String, String> specials = specialTokens(config, specialTokensMap);
        List<String> additional = additionalSpecialTokens(config, specialTokensMap);

        // A special token missing from vocab.txt is appended after it, as transformers' add_special_tokens does.
        Map<String, Integer> added = new LinkedHashMap<>();
        int nextId = vocab.size();
        for (String token : Stream.concat(specials.values().stream(), additional.stream()).toList()) {
            if (!added.containsKey(token)) {
                Integer id = vocab.get(token);
                added.put(token, id != null ? id : nextId++);
            }
        }

        boolean lowercase = config.path("do_lower_case").asBoolean(true);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        if ("left".equals(config.path("truncation_side").asText())) {
            // Python truncates on truncation_side; BertTokenizer keeps a stored direction (and overrides the rest)
            ObjectNode truncation = root.putObject("truncation");
            truncation.put("direction", "Left");
            truncation.put("max_length", 512);
            truncation.put("strategy", "LongestFirst");
            truncation.put("stride", 0);
        } else {
            root.putNull("truncation");
        }
        root.putNull("padding");
        ArrayNode addedTokens = root.putArray("added_tokens");
        added.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> {
            ObjectNode t = addedTokens.addObject();
            t.put("id", e.getValue());
            t.put("content", e.getKey());
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        });
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "BertNormalizer");
        normalizer.put("clean_text", true);
        normalizer.put("handle_chinese_chars", config.path("tokenize_chinese_chars").asBoolean(true));
        JsonNode stripAccents = config.path("strip_accents");
        if (stripAccents.isBoolean()) {
            normalizer.put("strip_accents", stripAccents.asBoolean());
        } else {
            normalizer.putNull("strip_accents"); // the normalizer then strips accents exactly when lowercasing
        }
        normalizer.put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        root.set("post_processor", bertTemplate(specials.get("cls_token"), added.get(specials.get("cls_token")),
                specials.get("sep_token"), added.get(specials.get("sep_token"))));
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "WordPiece");
        decoder.put("prefix", "##");
        decoder.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", specials.get("unk_token"));
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "[CLS] $A [SEP]" and "[CLS] $A [SEP] $B [SEP]", the second sentence's part with type id 1. */
    private static ObjectNode bertTemplate(String cls, int clsId, String sep, int sepId) {
        ObjectNode processor = JSON.createObjectNode();
        processor.put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        special(single, cls, 0);
        sequence(single, "A", 0);
        special(single, sep, 0);
        ArrayNode pair = processor.putArray("pair");
        special(pair, cls, 0);
        sequence(pair, "A", 0);
        special(pair, sep, 0);
        sequence(pair, "B", 1);
        special(pair, sep, 1);
        ObjectNode specialTokens = processor.putObject("special_tokens");
        for (Map.Entry<String, Integer> token : orderedIds(cls, clsId, sep, sepId).entrySet()) {
            ObjectNode t = specialTokens.putObject(token.getKey());
            t.put("id", token.getKey());
            t.putArray("ids").add(token.getValue());
            t.putArray("tokens").add(token.getKey());
        }
        return processor;
    }

    private static Map<String, Integer> orderedIds(String cls, int clsId, String sep, int sepId) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        ids.put(cls, clsId);
        ids.put(sep, sepId);
        return ids;
    }

    private static void special(ArrayNode template, String token, int typeId) {
        ObjectNode inner = template.addObject().putObject("SpecialToken");
        inner.put("id", token);
        inner.put("type_id", typeId);
    }

    private static void sequence(ArrayNode template, String id, int typeId) {
        ObjectNode inner = template.addObject().putObject("Sequence");
        inner.put("id", id);
        inner.put("type_id", typeId);
    }

    /** special_tokens_map.json overrides tokenizer_config.json, as in transformers' from_pretrained. */
    private static Map<String, String> specialTokens(JsonNode config, JsonNode specialTokensMap) {
        Map<String, String> specials = new LinkedHashMap<>();
        for (Map.Entry<String, String> attribute : SPECIAL_TOKEN_DEFAULTS.entrySet()) {
            String name = attribute.getKey();
            String token = tokenContent(specialTokensMap.path(name));
            if (token == null) {
                token = tokenContent(config.path(name));
            }
            specials.put(name, token != null ? token : attribute.getValue());
        }
        return specials;
    }

    private static List<String> additionalSpecialTokens(JsonNode config, JsonNode specialTokensMap) {
        JsonNode list = specialTokensMap.has("additional_special_tokens")
                ? specialTokensMap.path("additional_special_tokens") : config.path("additional_special_tokens");
        List<String> tokens = new ArrayList<>();
        for (JsonNode token : list) {
            String content = tokenContent(token);
            if (content != null) {
                tokens.add(content);
            }
        }
        return tokens;
    }

    /** A special token is saved either as its string or as an AddedToken object with "content". */
    private static String tokenContent(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.path("content").asText();
        }
        return null;
    }

    /**
     * One token per line, its id the line's index, as the slow tokenizer's load_vocab reads it
     * (Python's universal newlines: \n, \r\n and \r all end a line).
     */
    static Map<String, Integer> readVocab(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new UserError(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\r\n|\n|\r", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // the final newline ends the last line, it does not start another
        }
        if (lines.isEmpty()) {
            throw new UserError(file + ": empty vocabulary");
        }
        // transformers' load_vocab: a token on two lines gets the later line's id (some published vocabularies
        // have such lines); re-inserting keeps the map in id order, as tokenizers writes its vocab.
        Map<String, Integer> vocab = new LinkedHashMap<>();
        int duplicates = 0;
        String firstDuplicate = null;
        for (int i = 0; i < lines.size(); i++) {
            Integer earlier = vocab.remove(lines.get(i));
            vocab.put(lines.get(i), i);
            if (earlier != null && duplicates++ == 0) {
                firstDuplicate = "\"" + lines.get(i) + "\" on lines " + (earlier + 1) + " and " + (i + 1);
            }
        }
        if (duplicates > 0) {
            LOG.warn("{}: {} token(s) appear on more than one line (first {}); each gets its last line's id, as in"
                    + " transformers", file, duplicates, firstDuplicate);
        }
        return vocab;
    }

    private static JsonNode readOptional(Path file) {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        return JsonFiles.readObject(file);
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
