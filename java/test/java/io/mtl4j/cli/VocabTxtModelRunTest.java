package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.testing.TestFiles;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.VocabTxtConverter;
import io.mtl4j.util.Hashing;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training from a model with vocab.txt but no tokenizer.json leaves checkpoints that carry the tokenizer. */
class VocabTxtModelRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path model;
    static Path run;
    static Path data;

    @BeforeAll
    static void trainFromAVocabTxtOnlyModel() throws Exception {
        model = dir.resolve("model");
        TinyModels.write(model, 3);
        TinyModels.replaceTokenizerJsonWithVocabTxt(model, "{\"do_lower_case\": true}");
        data = TinyGlue.write(dir.resolve("glue"), 48, 16, 9);
        run = TinyRuns.train(dir, "run", data, "sst2", "--steps", "6", "--eval-every", "3");
    }

    @Test
    void checkpointsCarryTheGeneratedTokenizerJson() throws Exception {
        for (String checkpoint : List.of("best", "last")) {
            Path saved = run.resolve(checkpoint).resolve(BertTokenizer.FILE_NAME);
            assertTrue(Files.isRegularFile(saved), saved + " missing");
            assertArrayEquals(VocabTxtConverter.toTokenizerJson(model), Files.readAllBytes(saved));
        }
    }

    @Test
    void provenanceRecordsTheVocabularyFilesThatMadeTheTokenizer() throws Exception {
        JsonNode hashes = JSON.readTree(run.resolve("best/mtl4j.json").toFile()).path("provenance").path("model_hashes");
        assertEquals(Hashing.sha256Hex(model.resolve("vocab.txt")), hashes.path("vocab.txt").asText());
        assertEquals(Hashing.sha256Hex(model.resolve("tokenizer_config.json")), hashes.path("tokenizer_config.json").asText());
        assertFalse(hashes.has("tokenizer.json"));
    }

    @Test
    void predictAndEvalWorkOnTheCheckpoint() throws Exception {
        List<String> lines = TinyRuns.predict(dir, run.resolve("best"), "sst2", "a great film\nthe plot was boring\n");
        assertEquals(2, lines.size());
        assertTrue(JSON.readTree(lines.get(0)).has("probs"));
        CliRunner eval = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "sst2", "--json", "--device", "cpu");
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(JSON.readTree(eval.out()).path("sst2").has("accuracy"));
    }

    @Test
    void exportCarriesTheTokenizerAndAMatchingTokenizerConfig() throws Exception {
        Path out = dir.resolve("export");
        CliRunner r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(VocabTxtConverter.toTokenizerJson(model), Files.readAllBytes(out.resolve("tokenizer.json")));
        JsonNode tokenizerConfig = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals("BertTokenizer", tokenizerConfig.get("tokenizer_class").asText());
        assertTrue(tokenizerConfig.get("do_lower_case").asBoolean());
    }

    @Test
    void resumingRefusesAChangedVocabularyButNotAChangeThatTokenizesAlike() throws Exception {
        Path settings = TestFiles.copyTree(model, dir.resolve("model-new-max-length"));
        ObjectNode tokenizerConfig = Files.isRegularFile(settings.resolve("tokenizer_config.json"))
                ? (ObjectNode) JSON.readTree(settings.resolve("tokenizer_config.json").toFile()) : JSON.createObjectNode();
        tokenizerConfig.put("model_max_length", 256);
        JSON.writeValue(settings.resolve("tokenizer_config.json").toFile(), tokenizerConfig);
        CliRunner same = CliRunner.run("train", "--resume", run.toString(), "--model", settings.toString(),
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString());
        assertFalse(same.err().contains("is not the tokenizer the run started with"), same.err());

        Path moved = TestFiles.copyTree(model, dir.resolve("moved-model"));
        Files.writeString(moved.resolve("vocab.txt"), "extra\n", java.nio.file.StandardOpenOption.APPEND);
        CliRunner r = CliRunner.run("train", "--resume", run.toString(), "--model", moved.toString(),
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString());
        assertTrue(r.exitCode() != 0, r.err());
        assertTrue(r.err().contains("vocab.txt (sha256 ") && r.err().contains("is not the tokenizer the run started with"), r.err());
    }

    /** Same files, another tokenizer: what the checkpoint carries decides, not the files' hashes. */
    @Test
    void resumingRefusesWhenTheSameFilesBuildAnotherTokenizerThanTheCheckpointCarries() throws Exception {
        Path copy = TestFiles.copyTree(run, dir.resolve("run-other-tokenizer"));
        Path carried = copy.resolve("last").resolve(BertTokenizer.FILE_NAME);
        Files.write(carried, (Files.readString(carried) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        CliRunner r = CliRunner.run("train", "--resume", copy.toString(), "--model", model.toString(),
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString());
        assertTrue(r.exitCode() != 0, r.err());
        assertTrue(r.err().contains("is not the tokenizer the run started with"), r.err());
    }
}
