package io.mtl4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.model.BertConfig;
import io.mtl4j.model.BertModel;
import io.mtl4j.model.CheckpointWriter;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tokenizer that gained tokens the model's embeddings were never resized for (vocab_size in config.json)
 * gives ids with no embedding. Each command names the input that holds one, in one line, before any work.
 */
class TokensWithoutEmbeddingTest {
    @TempDir
    Path dir;

    /** The tiny model (vocab_size 44) with a tokenizer that also knows "zebra", as id 44. */
    private Path modelWithZebra() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 3);
        List<String> words = new ArrayList<>(TinyModels.VOCAB);
        words.add("zebra");
        TinyModels.writeTokenizer(model, words);
        return model;
    }

    @Test
    void encodeNamesTheInputLine() throws Exception {
        Path model = modelWithZebra();
        Path input = Files.writeString(dir.resolve("in.tsv"), "the movie was fun\nthe zebra was fun\n");
        Path out = dir.resolve("out.jsonl");
        CliRunner r = CliRunner.run("encode", "--model", model.toString(), "--input", input.toString(),
                "--output", out.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains(input + ":2: token id 44 has no embedding: config.json's vocab_size is 44"), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void trainNamesTheTaskSplitAndExampleBeforeTraining() throws Exception {
        Path model = modelWithZebra();
        Path data = TinyGlue.write(dir.resolve("glue"), 32, 8, 4);
        Path train = data.resolve("sst2/train.jsonl");
        List<String> rows = new ArrayList<>(Files.readAllLines(train));
        rows.set(4, "{\"sentence\": \"the zebra was fun\", \"label\": 1, \"idx\": 4}");
        Files.write(train, rows);
        Path run = dir.resolve("run");
        CliRunner r = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2",
                "--steps", "2", "--batch-size", "8", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(),
                "--output", run.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("task sst2, train example 5: token id 44 has no embedding"), r.err());
        assertFalse(Files.exists(run.resolve("last")), "no step was trained");
    }

    @Test
    void aModelWithOneTokenTypeRefusesSentencePairs() throws Exception {
        Path model = dir.resolve("one-type");
        ObjectNode config = TinyModels.tinyConfig().encoderRaw();
        config.put("type_vocab_size", 1);
        CheckpointWriter.save(BertModel.randomInit(BertConfig.parse(model.resolve("config.json"), config), true, 3), Map.of(), model);
        TinyModels.writeTokenizer(model);
        Path input = Files.writeString(dir.resolve("pairs.tsv"), "the movie was fun\nthe dog\ta cat\n");
        CliRunner r = CliRunner.run("encode", "--model", model.toString(), "--input", input.toString(),
                "--output", dir.resolve("pairs.jsonl").toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains(input + ":2: segment id 1 has no token type embedding: config.json's type_vocab_size is 1"),
                r.err());
    }

    @Test
    void predictNamesTheExample() throws Exception {
        Path data = TinyGlue.write(dir.resolve("glue"), 32, 8, 4);
        Path run = TinyRuns.train(dir, "run", data, "sst2", "--steps", "2", "--eval-every", "0");
        Path export = dir.resolve("export");
        assertEquals(0, CliRunner.run("export", "--checkpoint", run.resolve("last").toString(), "--task", "sst2",
                "--output", export.toString()).exitCode());
        List<String> words = new ArrayList<>(TinyModels.VOCAB);
        words.add("zebra");
        TinyModels.writeTokenizer(export, words);
        Path input = Files.writeString(dir.resolve("in.tsv"), "the movie was fun\nthe dog was fun\nthe zebra was fun\n");
        CliRunner r = CliRunner.run("predict", "--checkpoint", export.toString(), "--task", "sst2",
                "--input", input.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("task sst2, example 3: token id 44 has no embedding"), r.err());
        assertEquals("", r.out());
    }
}
