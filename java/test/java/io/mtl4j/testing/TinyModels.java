package io.mtl4j.testing;

import io.mtl4j.model.BertConfig;
import io.mtl4j.model.BertModel;
import io.mtl4j.model.CheckpointWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes tiny random BERT checkpoints with a real WordPiece tokenizer.json, for tests. */
public final class TinyModels {
    /** The tiny vocabulary: specials first, then words and word pieces. */
    public static final List<String> VOCAB = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "the", "a", "movie", "film", "is", "was", "good", "bad", "great", "not", "very", "and", "it",
            "i", "liked", "hated", "story", "actors", ".", ",", "!", "?", "what", "who", "how", "##s", "##ly",
            "##ing", "##ed", "fun", "boring", "plot", "dog", "cat", "man", "woman", "play", "sleep", "eat");

    private TinyModels() {
    }

    public static BertConfig tinyConfig() {
        return BertConfig.tiny(VOCAB.size(), 32, 2, 4, 64, 64);
    }

    /** Saves a tiny random BERT (with pooler) plus tokenizer.json into {@code dir}; returns the model. */
    public static BertModel write(Path dir, long seed) throws IOException {
        BertModel model = BertModel.randomInit(tinyConfig(), true, seed);
        CheckpointWriter.save(model, Map.of(), dir);
        writeTokenizer(dir);
        return model;
    }

    public static void writeTokenizer(Path dir) throws IOException {
        writeTokenizer(dir, VOCAB);
    }

    /** A tokenizer.json over {@code words}, whose first five must be TinyModels' special tokens. */
    public static void writeTokenizer(Path dir, List<String> words) throws IOException {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < words.size(); i++) {
            if (i > 0) {
                vocab.append(',');
            }
            vocab.append('"').append(words.get(i)).append("\":").append(i);
        }
        StringBuilder added = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            if (i > 0) {
                added.append(',');
            }
            added.append("{\"id\":").append(i).append(",\"content\":\"").append(VOCAB.get(i))
                    .append("\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}");
        }
        String json = """
                {"version":"1.0",
                 "truncation":{"direction":"Right","max_length":8,"strategy":"LongestFirst","stride":0},
                 "padding":{"strategy":{"Fixed":16},"direction":"Right","pad_to_multiple_of":null,"pad_id":0,"pad_type_id":0,"pad_token":"[PAD]"},
                 "added_tokens":[%s],
                 "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},
                 "pre_tokenizer":{"type":"BertPreTokenizer"},
                 "post_processor":{"type":"TemplateProcessing",
                   "single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"[SEP]","type_id":0}}],
                   "pair":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"[SEP]","type_id":0}},{"Sequence":{"id":"B","type_id":1}},{"SpecialToken":{"id":"[SEP]","type_id":1}}],
                   "special_tokens":{"[CLS]":{"id":"[CLS]","ids":[2],"tokens":["[CLS]"]},"[SEP]":{"id":"[SEP]","ids":[3],"tokens":["[SEP]"]}}},
                 "decoder":{"type":"WordPiece","prefix":"##","cleanup":true},
                 "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,
                   "vocab":{%s}}}
                """.formatted(added, vocab);
        Files.writeString(dir.resolve("tokenizer.json"), json, StandardCharsets.UTF_8);
    }

    /**
     * Turns a model directory with tokenizer.json into one with only the slow tokenizer's files, as
     * older hub models ship: vocab.txt (the vocabulary in id order) and {@code tokenizerConfig} as
     * tokenizer_config.json (none when null); tokenizer.json is deleted.
     */
    public static void replaceTokenizerJsonWithVocabTxt(Path dir, String tokenizerConfig) throws IOException {
        com.fasterxml.jackson.databind.JsonNode vocab = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("tokenizer.json").toFile()).path("model").path("vocab");
        String[] tokens = new String[vocab.size()];
        vocab.fields().forEachRemaining(e -> tokens[e.getValue().asInt()] = e.getKey());
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", tokens) + "\n", StandardCharsets.UTF_8);
        if (tokenizerConfig != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig, StandardCharsets.UTF_8);
        }
        Files.delete(dir.resolve("tokenizer.json"));
    }

    /** The shared folder beside the repo ({@code ../shared}), or null when this clone has none. */
    public static Path sharedDir() {
        String home = System.getProperty("mtl4j.home", ".");
        Path shared = Path.of(home).toAbsolutePath().normalize().resolveSibling("shared");
        return Files.isDirectory(shared) ? shared : null;
    }
}
