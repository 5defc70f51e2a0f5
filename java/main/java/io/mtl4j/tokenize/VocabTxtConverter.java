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
import java.util.Comparator;
import java.util.HashSet;
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
 * accents exactly when lowercasing. Tokens added after training ({@code added_tokens.json}, or
 * tokenizer_config.json's {@code added_tokens_decoder}) become the tokenizer.json's added tokens, as
 * transformers' fast tokenizer adds them. tokenizer_config.json's {@code never_split} is ignored, as
 * transformers' BertConverter ignores it: the fast tokenizer splits those words at punctuation like any other
 * (only the slow BasicTokenizer reads it).
 */
public final class VocabTxtConverter {
    public static final String VOCAB_FILE = "vocab.txt";
    public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    /** Tokens added to the vocabulary after training, {"token": id, ...}, as the slow tokenizer saved them. */
    public static final String ADDED_TOKENS_FILE = "added_tokens.json";
    /** The optional files with the slow tokenizer's settings, special tokens and added tokens. */
    public static final List<String> SETTINGS_FILES = List.of(HfTokenizerConfig.FILE_NAME, SPECIAL_TOKENS_MAP, ADDED_TOKENS_FILE);
    /** Every file the generated tokenizer.json depends on. */
    public static final List<String> SOURCE_FILES = List.of(VOCAB_FILE, HfTokenizerConfig.FILE_NAME, SPECIAL_TOKENS_MAP,
            ADDED_TOKENS_FILE);
    /** tokenizer_config.json's added tokens, {"id": {"content", "lstrip", "normalized", ...}}, as transformers 4.34+ saves them. */
    private static final String ADDED_TOKENS_DECODER = "added_tokens_decoder";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * transformers' special token attributes BERT uses, with BertTokenizer's defaults, in transformers' order
     * (which decides the ids of those a vocab.txt lacks).
     */
    static final Map<String, String> SPECIAL_TOKEN_DEFAULTS = orderedMap(
            "unk_token", "[UNK]", "sep_token", "[SEP]", "pad_token", "[PAD]", "cls_token", "[CLS]", "mask_token", "[MASK]");

    /**
     * The special token attributes BertTokenizer leaves unset. A tokenizer's files may set them; transformers then
     * adds them as special tokens before all others (its SPECIAL_TOKENS_ATTRIBUTES start with them).
     */
    private static final List<String> OPTIONAL_SPECIAL_TOKENS = List.of("bos_token", "eos_token");

    /** The slow tokenizer classes transformers converts with its BertConverter (each also with a "Fast" suffix). */
    private static final Set<String> BERT_CONVERTER_CLASSES = Set.of("BertTokenizer", "ConvBertTokenizer",
            "DistilBertTokenizer", "DPRReaderTokenizer", "DPRQuestionEncoderTokenizer", "DPRContextEncoderTokenizer",
            "ElectraTokenizer", "LayoutLMTokenizer", "LayoutLMv2Tokenizer", "LxmertTokenizer", "MobileBertTokenizer",
            "RealmTokenizer", "RetriBertTokenizer", "SqueezeBertTokenizer");
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
        // transformers 4.34+ (PreTrainedTokenizerBase._from_pretrained): a tokenizer_config.json with
        // added_tokens_decoder is the whole story; only without one does it read the "legacy" special_tokens_map.json
        // and added_tokens.json.
        JsonNode addedDecoder = config.get(ADDED_TOKENS_DECODER);
        JsonNode specialTokensMap = addedDecoder != null ? JSON.createObjectNode() : readOptional(modelDir.resolve(SPECIAL_TOKENS_MAP));
        Map<String, String> specials = specialTokens(config, specialTokensMap);
        List<String> additional = additionalSpecialTokens(config, specialTokensMap);
        Set<String> allSpecials = new HashSet<>(specials.values());
        allSpecials.addAll(additional);
        List<AddedToken> declared = addedDecoder != null ? decoderTokens(configFile, addedDecoder)
                : addedTokensJson(modelDir.resolve(ADDED_TOKENS_FILE), explicitSpecialTokens(config, specialTokensMap));

        // PreTrainedTokenizerFast.__init__ adds the declared tokens in id order, then the special tokens it lacks;
        // tokenizers keeps the vocabulary id of a token vocab.txt has and gives each other one the next id.
        Map<String, AddedToken> added = new LinkedHashMap<>();
        int nextId = vocab.size();
        for (AddedToken token : declared) {
            if (token.content().isEmpty()) {
                // tokenizers skips an empty token without taking its id: the ids after it would shift
                throw new UserError(token.source() + ": added token with id " + token.id() + " is the empty string");
            }
            Integer vocabId = vocab.get(token.content());
            int expected = vocabId != null ? vocabId : nextId;
            if (added.containsKey(token.content()) || token.id() != expected) {
                throw new UserError(token.source() + ": added token \"" + token.content() + "\" has id " + token.id()
                        + badIdReason(token, vocabId, expected, vocab, added));
            }
            if (vocabId == null) {
                nextId++;
            }
            added.put(token.content(), token.withSpecial(token.special() || allSpecials.contains(token.content())));
        }
        for (String token : Stream.concat(specials.values().stream(), additional.stream()).toList()) {
            if (!added.containsKey(token)) {
                Integer id = vocab.get(token);
                added.put(token, new AddedToken(token, id != null ? id : nextId++, false, false, false, false, true, null));
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
        added.values().stream().sorted(Comparator.comparingInt(AddedToken::id)).forEach(token -> {
            ObjectNode t = addedTokens.addObject();
            t.put("id", token.id());
            t.put("content", token.content());
            t.put("single_word", token.singleWord());
            t.put("lstrip", token.lstrip());
            t.put("rstrip", token.rstrip());
            t.put("normalized", token.normalized());
            t.put("special", token.special());
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
        root.set("post_processor", bertTemplate(specials.get("cls_token"), added.get(specials.get("cls_token")).id(),
                specials.get("sep_token"), added.get(specials.get("sep_token")).id()));
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

    /** One added token: its content, the id the file gives it, tokenizers' AddedToken flags, and the file it came from. */
    private record AddedToken(String content, int id, boolean singleWord, boolean lstrip, boolean rstrip,
                              boolean normalized, boolean special, Path source) {
        AddedToken withSpecial(boolean isSpecial) {
            return new AddedToken(content, id, singleWord, lstrip, rstrip, normalized, isSpecial, source);
        }
    }

    /**
     * added_tokens.json's tokens in id order, with the flags transformers' _from_pretrained gives them: special when
     * the tokenizer's files name the token a special token, normalized when not, never stripping or single-word.
     */
    private static List<AddedToken> addedTokensJson(Path file, Set<String> explicitSpecials) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<AddedToken> tokens = new ArrayList<>();
        JsonFiles.readObject(file).fields().forEachRemaining(e -> {
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
                throw new UserError(file + ": added token \"" + e.getKey() + "\" has id " + e.getValue() + ", not an integer");
            }
            boolean special = explicitSpecials.contains(e.getKey());
            tokens.add(new AddedToken(e.getKey(), e.getValue().asInt(), false, false, false, !special, special, file));
        });
        tokens.sort(Comparator.comparingInt(AddedToken::id)); // stable: the file's order among equal ids
        return tokens;
    }

    /** added_tokens_decoder's tokens in id order; a flag it leaves out takes tokenizers' AddedToken default. */
    private static List<AddedToken> decoderTokens(Path file, JsonNode decoder) {
        if (!decoder.isObject()) {
            throw new UserError(file + ": " + ADDED_TOKENS_DECODER + " is not a JSON object");
        }
        List<AddedToken> tokens = new ArrayList<>();
        decoder.fields().forEachRemaining(e -> {
            String where = file + ": " + ADDED_TOKENS_DECODER + " entry \"" + e.getKey() + "\"";
            int id;
            try {
                id = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException notAnId) {
                throw new UserError(where + ": the key is not an integer id");
            }
            JsonNode t = e.getValue();
            if (!t.isObject() || !t.path("content").isTextual()) {
                throw new UserError(where + ": not an object with a string \"content\"");
            }
            boolean special = flag(t, "special", false, where);
            tokens.add(new AddedToken(t.path("content").asText(), id, flag(t, "single_word", false, where),
                    flag(t, "lstrip", false, where), flag(t, "rstrip", false, where),
                    flag(t, "normalized", !special, where), special, file));
        });
        tokens.sort(Comparator.comparingInt(AddedToken::id));
        return tokens;
    }

    private static boolean flag(JsonNode token, String name, boolean absent, String where) {
        JsonNode value = token.get(name);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isBoolean()) {
            throw new UserError(where + ": \"" + name + "\" is " + value + ", not true or false");
        }
        return value.asBoolean();
    }

    /** Why a declared id is not the one tokenizers would give the token (Python's slow and fast tokenizers would disagree). */
    private static String badIdReason(AddedToken token, Integer vocabId, int expected, Map<String, Integer> vocab,
                                      Map<String, AddedToken> added) {
        if (added.containsKey(token.content())) {
            return ", but the token is added twice (also with id " + added.get(token.content()).id() + ")";
        }
        if (vocabId != null) {
            return ", but it is line " + (vocabId + 1) + " of " + VOCAB_FILE + ", id " + vocabId;
        }
        if (token.id() < vocab.size()) {
            String other = vocab.entrySet().stream().filter(v -> v.getValue() == token.id()).map(Map.Entry::getKey)
                    .findFirst().orElse("?");
            return ", the id of \"" + other + "\" in " + VOCAB_FILE;
        }
        return ", but tokens added after " + VOCAB_FILE + " must number on from it: the next id is " + expected
                + (added.values().stream().anyMatch(a -> a.id() == token.id()) ? " (" + token.id() + " is taken)" : "");
    }

    /**
     * The special tokens the tokenizer's files name (not BertTokenizer's defaults): those _from_pretrained makes
     * added_tokens.json's tokens special by.
     */
    private static Set<String> explicitSpecialTokens(JsonNode config, JsonNode specialTokensMap) {
        Set<String> named = new HashSet<>(additionalSpecialTokens(config, specialTokensMap));
        Stream.concat(OPTIONAL_SPECIAL_TOKENS.stream(), SPECIAL_TOKEN_DEFAULTS.keySet().stream())
                .map(attribute -> namedSpecialToken(attribute, config, specialTokensMap))
                .filter(java.util.Objects::nonNull)
                .forEach(named::add);
        return named;
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
        for (String name : OPTIONAL_SPECIAL_TOKENS) {
            String token = namedSpecialToken(name, config, specialTokensMap);
            if (token != null) {
                specials.put(name, token);
            }
        }
        for (Map.Entry<String, String> attribute : SPECIAL_TOKEN_DEFAULTS.entrySet()) {
            String token = namedSpecialToken(attribute.getKey(), config, specialTokensMap);
            specials.put(attribute.getKey(), token != null ? token : attribute.getValue());
        }
        return specials;
    }

    /** The token special_tokens_map.json, else tokenizer_config.json, gives {@code attribute}; null if neither does. */
    private static String namedSpecialToken(String attribute, JsonNode config, JsonNode specialTokensMap) {
        String token = tokenContent(specialTokensMap.path(attribute));
        return token != null ? token : tokenContent(config.path(attribute));
    }

    /** tokenizer_config.json's additional special tokens, then those special_tokens_map.json adds, as _from_pretrained merges them. */
    private static List<String> additionalSpecialTokens(JsonNode config, JsonNode specialTokensMap) {
        List<String> tokens = new ArrayList<>();
        for (JsonNode list : List.of(config.path("additional_special_tokens"), specialTokensMap.path("additional_special_tokens"))) {
            for (JsonNode token : list) {
                String content = tokenContent(token);
                if (content != null && !tokens.contains(content)) {
                    tokens.add(content);
                }
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
