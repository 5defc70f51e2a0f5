package io.mtl4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokens added to a vocab.txt model (added_tokens.json, or tokenizer_config.json's added_tokens_decoder) encode as
 * transformers' fast tokenizer encodes them when {@code AutoTokenizer.from_pretrained} converts the slow files
 * (transformers 4.34+: {@code PreTrainedTokenizerBase._from_pretrained} and {@code PreTrainedTokenizerFast.__init__}).
 */
class VocabTxtAddedTokensTest {
    /** ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, hello 5, world 6, - 7. */
    private static final String VOCAB = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n-\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void addedTokensJsonTokensAreOneIdEachAndNormalized() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("added_tokens.json"), "{\"covid19\": 9, \"<ent>\": 8}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            assertArrayEquals(new int[]{2, 5, 8, 6, 3}, tok.encode("hello<ent>world", null).inputIds(),
                    "an added token splits the text wherever it occurs (tokenizers' AddedVocabulary), no word boundary needed");
            // _from_pretrained's legacy branch: a token of added_tokens.json that is no special token gets
            // normalized=not special, i.e. true: it matches the lowercased text, as its lowercased pattern
            assertArrayEquals(new int[]{2, 9, 5, 8, 3}, tok.encode("COVID19 Hello <ENT>", null).inputIds());
            assertArrayEquals(new int[]{2, 5, 3, 8, 3}, tok.encode("hello", "<ent>").inputIds());
        }
        JsonNode ent = addedToken(VocabTxtConverter.toTokenizerJson(tmp), "<ent>");
        assertEquals(8, ent.path("id").asInt());
        // AddedToken(str_token, rstrip=False, lstrip=False, normalized=not special, special=special); single_word's default
        assertEquals(false, ent.path("special").asBoolean(true));
        assertEquals(true, ent.path("normalized").asBoolean(false));
        assertEquals(false, ent.path("lstrip").asBoolean(true));
        assertEquals(false, ent.path("rstrip").asBoolean(true));
        assertEquals(false, ent.path("single_word").asBoolean(true));
    }

    @Test
    void anAddedTokenNamedASpecialTokenIsSpecialAndNotNormalized() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("added_tokens.json"), "{\"[E1]\": 8, \"<ent>\": 9}");
        Files.writeString(tmp.resolve("special_tokens_map.json"), "{\"additional_special_tokens\": [\"[E1]\"]}");
        byte[] json = VocabTxtConverter.toTokenizerJson(tmp);
        // special = str_token in the special tokens of tokenizer_config.json / special_tokens_map.json
        JsonNode e1 = addedToken(json, "[E1]");
        assertEquals(8, e1.path("id").asInt());
        assertEquals(true, e1.path("special").asBoolean(false));
        assertEquals(false, e1.path("normalized").asBoolean(true));
        assertEquals(false, addedToken(json, "<ent>").path("special").asBoolean(true));
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            assertArrayEquals(new int[]{2, 5, 8, 9, 3}, tok.encode("hello[E1]<ent>", null).inputIds());
        }
    }

    @Test
    void aSpecialTokenMissingFromVocabTxtComesAfterTheAddedTokens() throws Exception {
        // no [MASK] in vocab.txt: ids [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, hello 4, world 5
        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n");
        Files.writeString(tmp.resolve("added_tokens.json"), "{\"<ent>\": 6}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            // PreTrainedTokenizerFast.__init__ adds the added_tokens_decoder (sorted by id) first, then the special
            // tokens it does not hold yet; tokenizers gives each new one the next id
            assertArrayEquals(new int[]{2, 4, 7, 6, 3}, tok.encode("hello [MASK] <ent>", null).inputIds());
        }
    }

    @Test
    void addedTokensDecoderWinsOverAddedTokensJsonAndSpecialTokensMap() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("tokenizer_config.json"), """
                {"added_tokens_decoder": {
                   "0": {"content": "[PAD]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
                   "1": {"content": "[UNK]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
                   "2": {"content": "[CLS]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
                   "3": {"content": "[SEP]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
                   "4": {"content": "[MASK]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
                   "9": {"content": "<Ent2>", "lstrip": true, "normalized": false, "rstrip": true, "single_word": false, "special": true},
                   "8": {"content": "<ent>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": false}},
                 "additional_special_tokens": ["<Ent2>"], "do_lower_case": true, "tokenizer_class": "BertTokenizer"}""");
        // both ignored when tokenizer_config.json has added_tokens_decoder (the "legacy" branch of _from_pretrained)
        Files.writeString(tmp.resolve("added_tokens.json"), "{\"<other>\": 8}");
        Files.writeString(tmp.resolve("special_tokens_map.json"), "{\"cls_token\": \"hello\"}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            assertArrayEquals(new int[]{2, 5, 8, 6, 9, 3}, tok.encode("hello<ent>world <Ent2>", null).inputIds());
            assertArrayEquals(new int[]{2, 1, 1, 1, 3}, tok.encode("<other>", null).inputIds(),
                    "added_tokens.json is not read: <, other and > are unknown word pieces");
        }
        byte[] json = VocabTxtConverter.toTokenizerJson(tmp);
        JsonNode ent = addedToken(json, "<ent>");
        assertEquals(false, ent.path("normalized").asBoolean(true), "the decoder's flags, not added_tokens.json's defaults");
        assertEquals(false, ent.path("special").asBoolean(true));
        JsonNode ent2 = addedToken(json, "<Ent2>");
        assertEquals(9, ent2.path("id").asInt());
        assertEquals(true, ent2.path("lstrip").asBoolean(false));
        assertEquals(true, ent2.path("rstrip").asBoolean(false));
        assertEquals(true, ent2.path("special").asBoolean(false));
        assertEquals(7, JSON.readTree(json).path("added_tokens").size(), "the five special tokens and two added ones, once each");
    }

    @Test
    void neverSplitIsIgnoredAsBertConverterIgnoresIt() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"never_split\": [\"hello-world\"]}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            // convert_slow_tokenizer.BertConverter reads only the vocab and the basic tokenizer's lowercasing,
            // accent stripping and CJK splitting: the fast tokenizer splits on punctuation regardless
            assertArrayEquals(new int[]{2, 5, 7, 6, 3}, tok.encode("hello-world", null).inputIds());
        }
    }

    @Test
    void theSameFilesGiveTheSameBytesAndAddedTokensJsonIsASourceFile() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("added_tokens.json"), "{\"b\": 9, \"a\": 8}");
        assertArrayEquals(VocabTxtConverter.toTokenizerJson(tmp), VocabTxtConverter.toTokenizerJson(tmp));
        assertTrue(VocabTxtConverter.SOURCE_FILES.contains("added_tokens.json"), VocabTxtConverter.SOURCE_FILES.toString());
        assertTrue(VocabTxtConverter.SETTINGS_FILES.contains("added_tokens.json"), "the hub fetches it when present");
    }

    @Test
    void anAddedTokenInVocabTxtAtItsOwnIdIsAccepted() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("added_tokens.json"), "{\"world\": 6, \"<ent>\": 8}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            // tokenizers' add_tokens keeps a token's vocabulary id
            assertArrayEquals(new int[]{2, 5, 6, 8, 3}, tok.encode("helloworld<ent>", null).inputIds());
        }
    }

    @Test
    void badAddedTokensAreOneLineErrorsNamingTheFile() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Path added = tmp.resolve("added_tokens.json");
        // the id of another vocab.txt token: Python's slow tokenizer would map <ent> to 5, the fast one to 8
        assertError(added, "{\"<ent>\": 5}", "hello");
        // a gap: the fast tokenizer would renumber it 8 (transformers < 4.34 refused: "Non-consecutive added token")
        assertError(added, "{\"<ent>\": 9}", "8");
        assertError(added, "{\"<ent>\": 8, \"<b>\": 8}", "8");
        assertError(added, "{\"world\": 9}", "6");
        assertError(added, "{\"<ent>\": \"8\"}", "<ent>");
        // tokenizers' add_tokens skips an empty token, so the fast tokenizer would number the next one 8
        assertError(added, "{\"\": 8, \"<ent>\": 9}", "empty");
        assertError(added, "[\"<ent>\"]", "not a JSON object");
        assertError(added, "{\"<ent>\": ", "not valid JSON");
        Files.delete(added);
        Path config = tmp.resolve("tokenizer_config.json");
        assertError(config, "{\"added_tokens_decoder\": [\"<ent>\"]}", "added_tokens_decoder");
        assertError(config, "{\"added_tokens_decoder\": {\"8\": \"<ent>\"}}", "8");
        assertError(config, "{\"added_tokens_decoder\": {\"x\": {\"content\": \"<ent>\"}}}", "x");
        assertError(config, "{\"added_tokens_decoder\": {\"8\": {\"content\": 3}}}", "8");
        assertError(config, "{\"added_tokens_decoder\": {\"5\": {\"content\": \"<ent>\"}}}", "hello");
    }

    private void assertError(Path file, String content, String mentions) throws Exception {
        Files.writeString(file, content);
        UserError e = assertThrows(UserError.class, () -> VocabTxtConverter.toTokenizerJson(tmp), content);
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), content + " -> " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    private static JsonNode addedToken(byte[] tokenizerJson, String content) throws Exception {
        for (JsonNode t : JSON.readTree(tokenizerJson).path("added_tokens")) {
            if (t.path("content").asText().equals(content)) {
                return t;
            }
        }
        throw new AssertionError("no added token " + content + " in " + new String(tokenizerJson));
    }
}
