package io.mtl4j.tokenize;

import io.mtl4j.testing.TinyModels;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BertTokenizerTest {
    @TempDir
    Path dir;

    private int id(String token) {
        return TinyModels.VOCAB.indexOf(token);
    }

    @Test
    void encodesSingleSentencesWithSpecialTokensAndNoPadding() throws Exception {
        TinyModels.writeTokenizer(dir);
        try (BertTokenizer tok = BertTokenizer.load(dir, 128)) {
            Encoding e = tok.encode("The movie was GOOD.", null);
            assertArrayEquals(new int[]{id("[CLS]"), id("the"), id("movie"), id("was"), id("good"), id("."), id("[SEP]")},
                    e.inputIds());
            assertArrayEquals(new int[7], e.tokenTypeIds());
        }
    }

    @Test
    void encodesPairsWithSegmentIds() throws Exception {
        TinyModels.writeTokenizer(dir);
        try (BertTokenizer tok = BertTokenizer.load(dir, 128)) {
            Encoding e = tok.encode("a dog", "the cats");
            assertArrayEquals(new int[]{id("[CLS]"), id("a"), id("dog"), id("[SEP]"), id("the"), id("cat"), id("##s"), id("[SEP]")},
                    e.inputIds());
            assertArrayEquals(new int[]{0, 0, 0, 0, 1, 1, 1, 1}, e.tokenTypeIds());
        }
    }

    @Test
    void truncatesLongestFirstToOurMaxLengthNotTheOneStoredInTokenizerJson() throws Exception {
        // tokenizer.json stores truncation to 8 and fixed padding to 16; mtl4j's settings win.
        TinyModels.writeTokenizer(dir);
        try (BertTokenizer tok = BertTokenizer.load(dir, 10)) {
            Encoding e = tok.encode("the movie is very very very very good", "it was fun");
            assertEquals(10, e.length());
            // longest first: the 8-token text loses 4 tokens; the 3-token text keeps all of them.
            assertArrayEquals(new int[]{id("[CLS]"), id("the"), id("movie"), id("is"), id("very"), id("[SEP]"),
                    id("it"), id("was"), id("fun"), id("[SEP]")}, e.inputIds());
        }
        try (BertTokenizer tok = BertTokenizer.load(dir, 64)) {
            Encoding e = tok.encode("the movie is very very very very good", null);
            assertEquals(10, e.length(), "no truncation at 8 and no padding to 16");
        }
    }

    /** TinyModels' tokenizer.json with its stored truncation settings replaced. */
    private void writeTokenizerStoringTruncation(String direction, int stride) throws Exception {
        TinyModels.writeTokenizer(dir);
        Path file = dir.resolve(BertTokenizer.FILE_NAME);
        String json = java.nio.file.Files.readString(file);
        String stored = "\"truncation\":{\"direction\":\"Right\",\"max_length\":8,\"strategy\":\"LongestFirst\",\"stride\":0}";
        assertTrue(json.contains(stored));
        java.nio.file.Files.writeString(file, json.replace(stored, "\"truncation\":{\"direction\":\"" + direction
                + "\",\"max_length\":384,\"strategy\":\"OnlySecond\",\"stride\":" + stride + "}"));
    }

    @Test
    void aStrideStoredInTokenizerJsonDoesNotAbortTheJvm() throws Exception {
        // QA fine-tunes save their doc stride (e.g. 128) in tokenizer.json; a stride not below the length left
        // for text made the native library panic and abort the whole process at the first truncated example.
        writeTokenizerStoringTruncation("Right", 128);
        try (BertTokenizer tok = BertTokenizer.load(dir, 6)) {
            assertArrayEquals(new int[]{id("[CLS]"), id("the"), id("movie"), id("is"), id("very"), id("[SEP]")},
                    tok.encode("the movie is very very very very good", null).inputIds());
            assertEquals(6, tok.encode("the movie is very very very very good", "it was fun").length());
        }
    }

    @Test
    void aStoredLeftTruncationIsKeptAsPythonKeepsIt() throws Exception {
        // PreTrainedTokenizerFast takes its truncation_side from the truncation stored in tokenizer.json
        writeTokenizerStoringTruncation("Left", 0);
        try (BertTokenizer tok = BertTokenizer.load(dir, 6)) {
            assertArrayEquals(new int[]{id("[CLS]"), id("very"), id("very"), id("very"), id("good"), id("[SEP]")},
                    tok.encode("the movie is very very very very good", null).inputIds());
        }
    }

    @Test
    void aMaxLengthBeyond512IsHonouredNotCappedByTheLibrary() throws Exception {
        TinyModels.writeTokenizer(dir);
        String long2000 = "the ".repeat(2000).trim();
        try (BertTokenizer tok = BertTokenizer.load(dir, 1024)) {
            assertEquals(1024, tok.encode(long2000, null).length());
            assertEquals(1024, tok.encodeBatch(java.util.List.of(long2000), null).get(0).length());
        }
    }

    @Test
    void loadingATokenizerOptsOutOfTheLibrarysUsageReports() throws Exception {
        TinyModels.writeTokenizer(dir);
        try (BertTokenizer tok = BertTokenizer.load(dir, 16)) {
            assertEquals(System.getenv("OPT_OUT_TRACKING") == null ? "true" : null, System.getProperty("OPT_OUT_TRACKING"));
        }
    }

    @Test
    void batchEncodingEqualsOneByOne() throws Exception {
        TinyModels.writeTokenizer(dir);
        try (BertTokenizer tok = BertTokenizer.load(dir, 32)) {
            List<Encoding> batch = tok.encodeBatch(List.of("a good film", "i hated it"), List.of("the plot", "boring actors"));
            assertArrayEquals(tok.encode("a good film", "the plot").inputIds(), batch.get(0).inputIds());
            assertArrayEquals(tok.encode("i hated it", "boring actors").tokenTypeIds(), batch.get(1).tokenTypeIds());
            List<Encoding> singles = tok.encodeBatch(List.of("a good film", "i hated it"), null);
            assertArrayEquals(tok.encode("i hated it", null).inputIds(), singles.get(1).inputIds());
        }
    }

    @Test
    void fingerprintDependsOnMaxLength() throws Exception {
        TinyModels.writeTokenizer(dir);
        try (BertTokenizer a = BertTokenizer.load(dir, 32); BertTokenizer b = BertTokenizer.load(dir, 64)) {
            assertNotEquals(a.fingerprint(), b.fingerprint());
        }
    }

    @Test
    void aTokenizerConfigThatPythonWouldFollowInsteadIsNamed() throws Exception {
        // transformers' BertTokenizerFast rebuilds the normalizer from tokenizer_config.json: no lowercasing here
        TinyModels.writeTokenizer(dir);
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
        java.io.StringWriter log = new java.io.StringWriter();
        try (AutoCloseable capture = io.mtl4j.testing.LogCapture.into(log);
             BertTokenizer tok = BertTokenizer.load(dir, 16)) {
            assertEquals(id("movie"), tok.encode("Movie", null).inputIds()[1], "mtl4j follows tokenizer.json");
        }
        assertTrue(log.toString().contains("do_lower_case false (tokenizer.json: lowercase true)"), log.toString());

        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": true, \"model_max_length\": 512}");
        java.io.StringWriter agreeing = new java.io.StringWriter();
        try (AutoCloseable capture = io.mtl4j.testing.LogCapture.into(agreeing);
             BertTokenizer tok = BertTokenizer.load(dir, 16)) {
            assertFalse(agreeing.toString().contains("AutoTokenizer"), agreeing.toString());
        }
    }

    @Test
    void aMaxLengthTooShortForAPairIsRefusedNotIgnored() throws Exception {
        // the library subtracts a pair's 3 special tokens from the max length unchecked: at 2 it stops truncating
        TinyModels.writeTokenizer(dir);
        UserError e = assertThrows(UserError.class, () -> BertTokenizer.load(dir, 2));
        assertTrue(e.getMessage().contains("--max-length must be at least 3"), e.getMessage());
        try (BertTokenizer tok = BertTokenizer.load(dir, 3)) {
            assertEquals(3, tok.encode("the movie", "a dog").length());
        }
    }

    @Test
    void missingTokenizerIsAClearError() {
        UserError e = assertThrows(UserError.class, () -> BertTokenizer.load(dir, 32));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    /** TinyModels' tokenizer.json, edited. */
    private void writeTokenizerEdited(java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit)
            throws Exception {
        TinyModels.writeTokenizer(dir);
        Path file = dir.resolve(BertTokenizer.FILE_NAME);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(file.toFile());
        edit.accept(root);
        json.writeValue(file.toFile(), root);
    }

    /** As in Python, no [CLS] or [SEP] is added without a post-processor; BERT's heads then read a word: said at load. */
    @Test
    void aTokenizerWithoutPostProcessorIsWarnedAbout() throws Exception {
        writeTokenizerEdited(root -> root.putNull("post_processor"));
        java.io.StringWriter log = new java.io.StringWriter();
        try (AutoCloseable capture = io.mtl4j.testing.LogCapture.into(log);
             BertTokenizer tok = BertTokenizer.load(dir, 32)) {
            assertEquals(TinyModels.VOCAB.indexOf("the"), tok.encode("the movie", null).inputIds()[0]);
        }
        assertTrue(log.toString().contains(dir.resolve("tokenizer.json") + ": no post_processor, so no [CLS] or [SEP]"
                + " is added (as in Python)"), log.toString());
    }

    // Each of these tokenized the tiny vocabulary's words, then on the first word outside it (or on
    // any input) the native library panicked and aborted the JVM with a Rust backtrace.

    @Test
    void anUnknownWordTokenOutsideTheVocabularyIsRefusedAtLoad() throws Exception {
        writeTokenizerEdited(root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("model"))
                .put("unk_token", "[NOPE]"));
        UserError e = assertThrows(UserError.class, () -> BertTokenizer.load(dir, 32));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": unk_token \"[NOPE]\" is not in the vocabulary"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aVocabTxtWithoutUnkIsRefusedAtLoad() throws Exception {
        java.nio.file.Files.write(dir.resolve("vocab.txt"),
                TinyModels.VOCAB.stream().filter(w -> !w.equals("[UNK]")).toList());
        UserError e = assertThrows(UserError.class, () -> BertTokenizer.load(dir, 32));
        assertTrue(e.getMessage().startsWith(dir.resolve("vocab.txt") + ": unk_token \"[UNK]\" is not in the vocabulary"),
                e.getMessage());
    }

    @Test
    void aTemplateNamingAnUndefinedSpecialTokenIsRefusedAtLoad() throws Exception {
        writeTokenizerEdited(root -> {
            com.fasterxml.jackson.databind.node.ObjectNode first = (com.fasterxml.jackson.databind.node.ObjectNode)
                    root.get("post_processor").get("single").get(0).get("SpecialToken");
            first.put("id", "<s>");
        });
        UserError e = assertThrows(UserError.class, () -> BertTokenizer.load(dir, 32));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json")
                + ": post_processor.single names special token \"<s>\", which post_processor.special_tokens does not define"),
                e.getMessage());
    }
}
