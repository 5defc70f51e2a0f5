package io.mtl4j.cli;

import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.torchbin.ConvertedWeights;
import io.mtl4j.testing.TestResources;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands take a model that ships only a {@code pytorch_model.bin} (torch.save of a state dict, as
 * older transformers fine-tunes do) as they take the same weights in model.safetensors.
 */
class TorchBinModelTest {
    @TempDir
    static Path dir;
    static Path safetensors;
    static Path bin;
    static Path data;

    @BeforeAll
    static void models() throws Exception {
        safetensors = TestResources.copyTree("/golden/tiny-bert/f32", dir.resolve("st"));
        TinyModels.writeTokenizer(safetensors);
        bin = TestResources.copyTree("/golden/tiny-bert/f32", dir.resolve("bin"));
        TinyModels.writeTokenizer(bin);
        Files.delete(bin.resolve(CheckpointLoader.WEIGHTS));
        // the same weights, saved by torch 1.13 with BertModel's "bert." prefix (scripts/gen_torch_bin_fixtures.py)
        TestResources.copyTree("/golden/torch-bin", dir.resolve("torch-bin"));
        Files.copy(dir.resolve("torch-bin/zip.bin"), bin.resolve(ConvertedWeights.BIN));
        data = TinyGlue.write(dir.resolve("glue"), 48, 16, 5);
    }

    @Test
    void encodeGivesTheSameOutputs() throws Exception {
        Path input = Files.writeString(dir.resolve("input.tsv"), "the movie was great\nthe dog is boring\ta cat\n");
        assertEquals(encode(safetensors, input), encode(bin, input));
        assertFalse(Files.exists(bin.resolve(CheckpointLoader.WEIGHTS)), "the model directory is left as it was");
    }

    @Test
    void trainingFromItFollowsTheSameLosses() throws Exception {
        assertEquals(losses(train(safetensors, "run-st")), losses(train(bin, "run-bin")));
    }

    private static String encode(Path model, Path input) throws Exception {
        Path out = dir.resolve("encode-" + model.getFileName() + ".jsonl");
        CliRunner r = CliRunner.run("encode", "--model", model.toString(), "--input", input.toString(),
                "--output", out.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        String encoded = Files.readString(out);
        assertTrue(encoded.lines().count() == 2, encoded);
        return encoded;
    }

    private static Path train(Path model, String name) {
        Path run = dir.resolve(name);
        CliRunner r = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2",
                "--steps", "3", "--batch-size", "8", "--lr", "1e-3", "--eval-every", "0", "--log-every", "1",
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(), "--output", run.toString());
        assertEquals(0, r.exitCode(), r.err());
        return run;
    }

    private static List<String> losses(Path run) throws Exception {
        List<String> losses = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(line -> line.contains("\"loss\""))
                .map(line -> line.replaceAll(".*\"loss\":([-0-9.eE]+).*", "$1"))
                .toList();
        assertEquals(3, losses.size(), losses.toString());
        return losses;
    }
}
