package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.InputBatch;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.Encoding;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A head on the raw [CLS] state predicts as trained, and its export says Hugging Face would differ. */
class ClsHeadExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path train(String headInput, Path data) throws Exception {
        return TinyRuns.train(dir, "run-" + headInput, data, "sst2", "--steps", "8", "--eval-every", "8",
                "--head-input", headInput);
    }

    @Test
    void clsExportIsMarkedAndPoolerExportIsNot() throws Exception {
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 24, 9);
        Path cls = train("cls", data);

        // predict applies the head to the raw [CLS] state, as trained: recompute it from the saved tensors
        List<String> lines = TinyRuns.predict(dir, cls.resolve("best"), "sst2", "a great film\nthe plot was very boring\n");
        Path in = java.nio.file.Files.writeString(dir.resolve("in.tsv"), "a great film\nthe plot was very boring\n");
        CliRunner onlyHead = CliRunner.run("predict", "--checkpoint", cls.resolve("best").toString(), "--input", in.toString(),
                "--device", "cpu");
        assertEquals(0, onlyHead.exitCode(), onlyHead.err());
        assertEquals(lines, onlyHead.out().lines().toList(), "a one-head checkpoint needs no --task");
        CheckpointLoader.Loaded saved = CheckpointLoader.load(cls.resolve("best"), Set.of("heads."));
        try (BertTokenizer tok = BertTokenizer.load(cls.resolve("best"), 64); PointerScope s = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            List<Encoding> enc = List.of(tok.encode("a great film", null), tok.encode("the plot was very boring", null));
            InputBatch batch = InputBatch.of(enc, 0, null);
            Tensor cls0 = saved.model().forward(batch.inputIds(), batch.tokenTypeIds(), batch.attentionMask(), false)
                    .lastHiddenState().select(1, 0);
            Tensor probs = torch.softmax(torch.linear(cls0, saved.extras().get("heads.sst2.weight"),
                    new TensorOptional(saved.extras().get("heads.sst2.bias"))), 1);
            float[] expected = Tensors.toFloatArray(probs);
            for (int i = 0; i < 2; i++) {
                JsonNode p = JSON.readTree(lines.get(i)).get("probs");
                assertArrayEquals(new float[]{expected[2 * i], expected[2 * i + 1]},
                        new float[]{(float) p.get(0).asDouble(), (float) p.get(1).asDouble()}, 1e-5f, lines.get(i));
            }
        }

        Path out = dir.resolve("export-cls");
        CliRunner export = CliRunner.run("export", "--checkpoint", cls.resolve("best").toString(), "--task", "sst2",
                "--output", out.toString());
        assertEquals(0, export.exitCode(), export.err());
        assertEquals("cls", JSON.readTree(out.resolve("config.json").toFile()).get("mtl4j_head_input").asText());

        Path pooler = train("pooler", data);
        Path exact = dir.resolve("export-pooler");
        assertEquals(0, CliRunner.run("export", "--checkpoint", pooler.resolve("best").toString(), "--task", "sst2",
                "--output", exact.toString()).exitCode());
        assertFalse(JSON.readTree(exact.resolve("config.json").toFile()).has("mtl4j_head_input"));

        // A pooler model trained from the cls export: neither its checkpoints nor its export keep the old head's fields.
        Path again = dir.resolve("run-from-export");
        CliRunner r = CliRunner.run("train", "--model", out.toString(), "--data", data.toString(), "--tasks", "sst2",
                "--steps", "2", "--eval-every", "2", "--batch-size", "16", "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString(), "--output", again.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode checkpointConfig = JSON.readTree(again.resolve("best/config.json").toFile());
        for (String headField : List.of("mtl4j_head_input", "id2label", "label2id", "problem_type", "finetuning_task")) {
            assertFalse(checkpointConfig.has(headField), headField + " in " + checkpointConfig);
        }
        Path reexported = dir.resolve("export-again");
        assertEquals(0, CliRunner.run("export", "--checkpoint", again.resolve("best").toString(), "--task", "sst2",
                "--output", reexported.toString()).exitCode());
        JsonNode config = JSON.readTree(reexported.resolve("config.json").toFile());
        assertFalse(config.has("mtl4j_head_input"), config.toString());
        assertEquals("positive", config.get("id2label").get("1").asText());
    }
}
