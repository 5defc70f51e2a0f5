package io.mtl4j.model;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BertConfigTest {
    @TempDir
    Path dir;

    private static final String BASE = """
            {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
             "intermediate_size": 64, "hidden_act": "%s", "max_position_embeddings": 64,
             "type_vocab_size": 3, "layer_norm_eps": 1e-7, "hidden_dropout_prob": 0.2 %s}""";

    private BertConfig load(String act, String extra) throws Exception {
        Files.writeString(dir.resolve("config.json"), BASE.formatted(act, extra));
        return BertConfig.load(dir);
    }

    private String error(String json) throws Exception {
        Files.writeString(dir.resolve("config.json"), json);
        UserError e = assertThrows(UserError.class, () -> BertConfig.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json").toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void parsesEveryComputationalField() throws Exception {
        BertConfig c = load("gelu_new", ", \"pad_token_id\": 1");
        assertEquals(BertConfig.Activation.GELU_NEW, c.hiddenAct());
        assertEquals(3, c.typeVocabSize());
        assertEquals(1e-7, c.layerNormEps());
        assertEquals(0.2, c.hiddenDropoutProb());
        assertEquals(0.1, c.attentionProbsDropoutProb());
        assertEquals(1, c.padTokenId());
        assertEquals(8, c.headDim());
        assertEquals(BertConfig.Activation.RELU, load("relu", "").hiddenAct());
        assertEquals(BertConfig.Activation.GELU, load("gelu", "").hiddenAct());
    }

    @Test
    void rejectsWhatItCannotHonour() throws Exception {
        assertTrue(error(BASE.formatted("swish", "")).contains("hidden_act \"swish\""));
        assertTrue(error(BASE.formatted("gelu", ", \"position_embedding_type\": \"relative_key\"")).contains("position_embedding_type"));
        assertTrue(error(BASE.formatted("gelu", ", \"is_decoder\": true")).contains("is_decoder"));
        assertTrue(error(BASE.formatted("gelu", ", \"model_type\": \"roberta\"")).contains("model_type"));
    }

    @Test
    void namesMissingAndIllTypedFields() throws Exception {
        assertTrue(error("{\"hidden_size\": 32}").contains("missing required field vocab_size"));
        assertTrue(error(BASE.formatted("gelu", "").replace("\"hidden_size\": 32", "\"hidden_size\": \"32\""))
                .contains("hidden_size must be an integer"));
        assertTrue(error(BASE.formatted("gelu", "").replace("\"hidden_size\": 32", "\"hidden_size\": 30"))
                .contains("not a multiple of num_attention_heads"));
        assertTrue(error(BASE.formatted("gelu", "").replace("1e-7", "-1")).contains("layer_norm_eps"));
        assertTrue(error(BASE.formatted("gelu", "").replace("0.2", "1.5")).contains("hidden_dropout_prob"));
        assertTrue(error("not json").contains("not valid JSON"));
    }

    /** Sizes no BERT has: refused before anything is built from them (100M layers ran the JVM out of heap). */
    @Test
    void implausibleSizesAreRefused() throws Exception {
        String layers = error(BASE.formatted("gelu", "").replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000000"));
        assertTrue(layers.contains("num_hidden_layers 100000000"), layers);
        String positions = error(BASE.formatted("gelu", "").replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 2"));
        assertTrue(positions.contains("max_position_embeddings 2") && !positions.contains("--max-length"), positions);
    }

    @Test
    void missingConfigIsAnError() {
        UserError e = assertThrows(UserError.class, () -> BertConfig.load(dir));
        assertTrue(e.getMessage().contains("config.json not found"));
    }

    @Test
    void anMtl4jRunDirectoryGivenAsModelPointsToItsCheckpoints() throws Exception {
        Files.writeString(dir.resolve("metrics.jsonl"), "");
        Files.createDirectory(dir.resolve("last"));
        UserError e = assertThrows(UserError.class, () -> BertConfig.load(dir));
        assertEquals(dir + ": an mtl4j run directory, not a model; use " + dir.resolve("last")
                + " (or best, step-N, best-<task>)", e.getMessage());
    }
}
