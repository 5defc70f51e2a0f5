package io.mtl4j.tokenize;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class HfTokenizerConfigTest {
    @TempDir
    Path dir;

    private ObjectNode configFor(String normalizer) throws Exception {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), """
                {"normalizer": %s, "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "a": 4}}}
                """.formatted(normalizer));
        return HfTokenizerConfig.of(file, 512);
    }

    @Test
    void aCasedBertNormalizerIsNotLowercasedByPython() throws Exception {
        ObjectNode cased = configFor("""
                {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": false, "lowercase": false}""");
        assertEquals("BertTokenizer", cased.get("tokenizer_class").asText());
        assertFalse(cased.get("do_lower_case").asBoolean());
        assertFalse(cased.get("strip_accents").asBoolean());
        assertEquals(512, cased.get("model_max_length").asInt());
        assertEquals("[SEP]", cased.get("sep_token").asText());
        assertFalse(cased.has("mask_token"), "only tokens the vocabulary has");
    }

    @Test
    void anotherNormalizerKeepsTheGenericFastTokenizer() throws Exception {
        ObjectNode other = configFor("""
                {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Lowercase"}]}""");
        assertEquals("PreTrainedTokenizerFast", other.get("tokenizer_class").asText());
        assertFalse(other.has("do_lower_case"));
    }

    @Test
    void conflictsCompareWhatEachSideDoesNotHowItIsSpelled() throws Exception {
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), """
                {"normalizer": {"type": "BertNormalizer", "strip_accents": null, "lowercase": false}}""");
        Path config = dir.resolve("tokenizer_config.json");
        // strip_accents null follows lowercase: false here, as spelled out
        Files.writeString(config, "{\"do_lower_case\": false, \"strip_accents\": false}");
        assertEquals(List.of(), HfTokenizerConfig.conflicts(tokenizer, config));
        // without do_lower_case, BertTokenizerFast lowercases (and then strips accents)
        Files.writeString(config, "{\"model_max_length\": 512}");
        assertEquals(2, HfTokenizerConfig.conflicts(tokenizer, config).size());
        Files.writeString(config, "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}");
        assertEquals(List.of(), HfTokenizerConfig.conflicts(tokenizer, config), "the generic class keeps tokenizer.json");
    }
    @Test
    void aTruncationSideThatPythonWouldTakeInsteadIsAConflict() throws Exception {
        // PreTrainedTokenizerFast truncates on tokenizer_config.json's truncation_side, whatever the class or normalizer
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), """
                {"truncation": null, "normalizer": {"type": "Lowercase"}}""");
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"truncation_side\": \"left\"}");
        assertEquals(List.of("truncation_side left (tokenizer.json: truncation direction right)"),
                HfTokenizerConfig.conflicts(tokenizer, config));
        Files.writeString(config, "{\"truncation_side\": \"right\"}");
        assertEquals(List.of(), HfTokenizerConfig.conflicts(tokenizer, config));
        Files.writeString(tokenizer, """
                {"truncation": {"direction": "Left", "max_length": 128, "strategy": "LongestFirst", "stride": 0}}""");
        assertEquals(List.of("truncation_side right (tokenizer.json: truncation direction left)"),
                HfTokenizerConfig.conflicts(tokenizer, config));
        Files.writeString(config, "{}");
        assertEquals(List.of(), HfTokenizerConfig.conflicts(tokenizer, config), "Python takes the stored direction");
    }
}
