package io.mtl4j.tokenize;

import io.mtl4j.testing.LogCapture;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A model with only vocab.txt (+ tokenizer_config.json) tokenizes as its tokenizer.json would. */
class VocabTxtTokenizerTest {
    /** TinyModels' vocabulary plus cased, accented and CJK entries, so the normalizer's choices show in the ids. */
    private static final List<String> RICH_VOCAB = Stream.concat(TinyModels.VOCAB.stream(), Stream.of(
            "The", "Movie", "GOOD", "café", "cafe", "Cafe", "Café", "naive", "naïve", "resume", "##é", "é", "e",
            "电", "影", "很", "好", "电影", "mask", "sep", "[", "]", "-", "'", "straße", "##ß", "x", "##x", "hello",
            "world", "##world")).toList();

    static final List<String> VARIED_TEXTS = List.of(
            "The movie was GOOD!", "Café naïve résumé CAFÉ", "电影很好 the film 電影", "a\u0000b\u0007c\tthe\u00a0movie\r\nfun",
            "x".repeat(99), "x".repeat(100), "x".repeat(101), "liked" + "ly".repeat(60), "the [MASK] was [SEP] good",
            "[mask] and [sep] are not special", "[CLS][SEP][PAD][UNK]", "", "   ", "what?!,.-'", "Straße ÀÉÎÕÜ",
            "hello\u200bworld hello\ufeffworld", "\uD83D\uDE00 emoji \u0301 combining", "playing sleeped eats cats",
            "the movie is very very very very very very good and the story was not boring at all");

    @TempDir
    Path tmp;

    @Test
    void vocabTxtEncodesAsTheTokenizerJsonItCameFrom() throws Exception {
        Path original = Files.createDirectory(tmp.resolve("original"));
        TinyModels.writeTokenizer(original, RICH_VOCAB);
        Path vocabOnly = Files.createDirectory(tmp.resolve("vocab-only"));
        TinyModels.writeTokenizer(vocabOnly, RICH_VOCAB);
        TinyModels.replaceTokenizerJsonWithVocabTxt(vocabOnly, "{\"do_lower_case\": true, \"model_max_length\": 512}");
        for (int maxLength : new int[]{512, 9, 3}) {
            assertSameEncodings(original, vocabOnly, maxLength, VARIED_TEXTS);
        }
    }

    @Test
    void withoutTokenizerConfigTheSlowTokenizersDefaultsApply() throws Exception {
        Path original = Files.createDirectory(tmp.resolve("original"));
        TinyModels.writeTokenizer(original, RICH_VOCAB);
        Path vocabOnly = Files.createDirectory(tmp.resolve("vocab-only"));
        TinyModels.writeTokenizer(vocabOnly, RICH_VOCAB);
        TinyModels.replaceTokenizerJsonWithVocabTxt(vocabOnly, null);
        assertSameEncodings(original, vocabOnly, 512, VARIED_TEXTS);
    }

    @Test
    void honoursDoLowerCaseStripAccentsAndTokenizeChineseChars() throws Exception {
        assertEquals(List.of("The", "Movie", "Café", "电", "影"),
                tokens("{\"do_lower_case\": false}", "The Movie Café 电影"), "cased: accents kept (they follow lowercasing)");
        assertEquals(List.of("Cafe", "e"), tokens("{\"do_lower_case\": false, \"strip_accents\": true}", "Café é"));
        assertEquals(List.of("the", "movie", "café", "é"), tokens("{\"do_lower_case\": true, \"strip_accents\": false}", "The MOVIE Café É"));
        assertEquals(List.of("the", "movie", "cafe", "e"), tokens("{\"do_lower_case\": true}", "The MOVIE Café É"));
        assertEquals(List.of("电影", "[UNK]"), tokens("{\"tokenize_chinese_chars\": false}", "电影 很好"),
                "without splitting CJK characters a run of them is one word");
    }

    @Test
    void specialTokensMayBeRenamedAsStringsOrAddedTokenObjects() throws Exception {
        Path dir = tmp.resolve("renamed");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vocab.txt"), "<pad>\n<unk>\n<s>\n</s>\n<mask>\nhello\n[CLS]\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"cls_token": {"content": "[CLS]", "lstrip": false}, "unk_token": "<unk>", "mask_token": "<mask>"}""");
        Files.writeString(dir.resolve("special_tokens_map.json"), """
                {"cls_token": {"content": "<s>", "lstrip": false, "normalized": false}, "sep_token": "</s>", "pad_token": "<pad>"}""");
        try (BertTokenizer tok = BertTokenizer.load(dir, 64)) {
            // special_tokens_map.json wins over tokenizer_config.json, as in transformers
            assertArrayEquals(new int[]{2, 5, 1, 4, 3, 5, 3}, tok.encode("hello world <mask>", "hello").inputIds());
            assertArrayEquals(new int[]{0, 0, 0, 0, 0, 1, 1}, tok.encode("hello world <mask>", "hello").tokenTypeIds());
        }
    }

    @Test
    void additionalSpecialTokensAreMatchedWholeAsTransformersAddsThem() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n[E1]\n");
        Files.writeString(tmp.resolve("special_tokens_map.json"), "{\"additional_special_tokens\": [\"[E1]\", {\"content\": \"[E2]\"}]}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            // [E2] is not in vocab.txt: added after it, as add_special_tokens does
            assertArrayEquals(new int[]{2, 6, 5, 7, 3}, tok.encode("[E1]hello [E2]", null).inputIds());
        }
    }

    /**
     * transformers' _from_pretrained (the branch without added_tokens_decoder) appends special_tokens_map.json's
     * additional special tokens to tokenizer_config.json's, skipping those already there; other special tokens the
     * map replaces.
     */
    @Test
    void additionalSpecialTokensOfTheConfigAndTheMapAreMerged() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"additional_special_tokens\": [\"[E1]\", \"[E2]\"]}");
        Files.writeString(tmp.resolve("special_tokens_map.json"), "{\"additional_special_tokens\": [\"[E2]\", \"[E3]\"]}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            assertArrayEquals(new int[]{2, 6, 5, 7, 8, 3}, tok.encode("[E1]hello [E2] [E3]", null).inputIds());
        }
    }

    /**
     * BertTokenizer has no bos or eos token, but a tokenizer_config.json may set them: transformers then adds them as
     * special tokens, first of all (SPECIAL_TOKENS_ATTRIBUTES starts with bos_token, eos_token), so a vocab.txt
     * without them gives them the next ids before a missing [MASK].
     */
    @Test
    void bosAndEosTokensAFileSetsAreSpecialAndAddedFirst() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"bos_token\": \"[BOS]\", \"eos_token\": \"[EOS]\"}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            assertArrayEquals(new int[]{2, 5, 4, 6, 7, 3}, tok.encode("[BOS] hello [EOS] [MASK]", null).inputIds());
        }
    }

    @Test
    void aTokenizerClassBertConverterDoesNotHandleIsRefused() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"MPNetTokenizer\"}");
        UserError e = assertThrows(UserError.class, () -> BertTokenizer.load(tmp, 64));
        assertTrue(e.getMessage().startsWith(tmp.resolve("tokenizer_config.json") + ": tokenizer_class MPNetTokenizer"),
                e.getMessage());
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"DistilBertTokenizerFast\"}");
        BertTokenizer.load(tmp, 64).close();
    }

    @Test
    void truncationSideLeftIsHonouredAsPythonHonoursIt() throws Exception {
        TinyModels.writeTokenizer(tmp);
        TinyModels.replaceTokenizerJsonWithVocabTxt(tmp, "{\"truncation_side\": \"left\"}");
        try (BertTokenizer tok = BertTokenizer.load(tmp, 5)) {
            List<String> vocab = TinyModels.VOCAB;
            assertArrayEquals(new int[]{vocab.indexOf("[CLS]"), vocab.indexOf("very"), vocab.indexOf("very"),
                    vocab.indexOf("good"), vocab.indexOf("[SEP]")}, tok.encode("the movie is very very good", null).inputIds());
        }
    }

    @Test
    void fingerprintIsTheHashOfTheGeneratedTokenizerJson() throws Exception {
        TinyModels.writeTokenizer(tmp);
        TinyModels.replaceTokenizerJsonWithVocabTxt(tmp, "{}");
        byte[] generated = VocabTxtConverter.toTokenizerJson(tmp);
        assertArrayEquals(generated, VocabTxtConverter.toTokenizerJson(tmp), "the same files give the same bytes");
        assertArrayEquals(generated, BertTokenizer.tokenizerJson(tmp));
        try (BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            assertEquals(Hashing.sha256Hex(generated) + ":max64", tok.fingerprint());
        }
    }

    @Test
    void aTokenOnTwoLinesGetsTheLaterId() throws Exception {
        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nmovie\nthe\n");
        StringWriter log = new StringWriter();
        try (AutoCloseable capture = LogCapture.into(log); BertTokenizer tok = BertTokenizer.load(tmp, 64)) {
            assertArrayEquals(new int[]{2, 7, 6, 3}, tok.encode("the movie", null).inputIds(), "transformers' load_vocab: the last line wins");
        }
        assertTrue(log.toString().contains("\"the\" on lines 6 and 8"), log.toString());
    }

    @Test
    void withNeitherFileTheErrorNamesBoth() {
        UserError e = assertThrows(UserError.class, () -> BertTokenizer.load(tmp, 64));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("vocab.txt"), e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
    }

    /** The real MiniLM tokenizer.json (CI's ../shared) and the one generated from its vocabulary give the same ids. */
    @Test
    void sharedMiniLmVocabTxtEncodesAsItsTokenizerJson() throws Exception {
        Path shared = TinyModels.sharedDir();
        assumeTrue(shared != null && Files.isRegularFile(shared.resolve("models/minilm-l6-h384/tokenizer.json")),
                "no ../shared/models/minilm-l6-h384; skipping");
        Path model = shared.resolve("models/minilm-l6-h384");
        Path vocabOnly = Files.createDirectory(tmp.resolve("minilm-vocab"));
        Files.copy(model.resolve("tokenizer.json"), vocabOnly.resolve("tokenizer.json"));
        TinyModels.replaceTokenizerJsonWithVocabTxt(vocabOnly, null);
        List<String> texts = new ArrayList<>(VARIED_TEXTS);
        for (String line : Files.readAllLines(model.resolve("reference_inputs.tsv"), StandardCharsets.UTF_8)) {
            texts.addAll(List.of(line.split("\t")));
        }
        assertSameEncodings(model, vocabOnly, 128, texts);
        assertSameEncodings(model, vocabOnly, 16, texts);
    }

    private List<String> tokens(String tokenizerConfig, String text) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "flags");
        TinyModels.writeTokenizer(dir, RICH_VOCAB);
        TinyModels.replaceTokenizerJsonWithVocabTxt(dir, tokenizerConfig);
        try (BertTokenizer tok = BertTokenizer.load(dir, 64)) {
            int[] ids = tok.encode(text, null).inputIds();
            List<String> out = new ArrayList<>();
            for (int i = 1; i < ids.length - 1; i++) {
                out.add(RICH_VOCAB.get(ids[i]));
            }
            return out;
        }
    }

    static void assertSameEncodings(Path expectedDir, Path actualDir, int maxLength, List<String> texts) {
        try (BertTokenizer expected = BertTokenizer.load(expectedDir, maxLength);
             BertTokenizer actual = BertTokenizer.load(actualDir, maxLength)) {
            List<String> firsts = new ArrayList<>();
            List<String> seconds = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                String a = texts.get(i);
                String b = texts.get((i + 3) % texts.size());
                firsts.add(a);
                seconds.add(b);
                assertSame(expected.encode(a, null), actual.encode(a, null), a, maxLength);
                assertSame(expected.encode(a, b), actual.encode(a, b), a + " | " + b, maxLength);
            }
            List<Encoding> batchExpected = expected.encodeBatch(firsts, seconds);
            List<Encoding> batchActual = actual.encodeBatch(firsts, seconds);
            for (int i = 0; i < firsts.size(); i++) {
                assertSame(batchExpected.get(i), batchActual.get(i), "batch " + i, maxLength);
            }
        }
    }

    /** Ids and segment ids; the attention mask is all ones over the same length (tokenization never pads). */
    private static void assertSame(Encoding expected, Encoding actual, String text, int maxLength) {
        assertArrayEquals(expected.inputIds(), actual.inputIds(), "ids of \"" + text + "\" at max length " + maxLength);
        assertArrayEquals(expected.tokenTypeIds(), actual.tokenTypeIds(), "type ids of \"" + text + "\" at max length " + maxLength);
    }
}
