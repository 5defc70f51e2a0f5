package io.mtl4j.cli;

import io.mtl4j.model.CheckpointWriter;
import io.mtl4j.model.TensorBridge;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.TensorInfo;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trained checkpoint with a head or pooler tensor gone or of an integer dtype: predict ran on with a
 * zero bias, a fresh random pooler or integers read as floats, printing probabilities that meant nothing.
 */
class DamagedCheckpointTest {
    @TempDir
    Path dir;

    private Path checkpoint;
    private Path input;

    @BeforeEach
    void train() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 3);
        Path data = TinyGlue.write(dir.resolve("glue"), 16, 8, 4);
        Path run = dir.resolve("run");
        CliRunner r = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2",
                "--steps", "1", "--batch-size", "4", "--eval-every", "0", "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString(), "--output", run.toString());
        assertEquals(0, r.exitCode(), r.err());
        checkpoint = run.resolve("last");
        input = Files.writeString(dir.resolve("in.tsv"), "the movie was fun\n");
    }

    private void editWeights(Consumer<Map<String, Tensor>> edit) throws Exception {
        Path file = checkpoint.resolve("model.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata;
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            metadata = st.metadata();
            for (TensorInfo info : st.tensors().values()) {
                tensors.put(info.name(), TensorBridge.read(st, info));
            }
        }
        edit.accept(tensors);
        CheckpointWriter.writeSafetensors(tensors, file, metadata);
    }

    private String predictError() {
        CliRunner r = CliRunner.run("predict", "--checkpoint", checkpoint.toString(), "--task", "sst2",
                "--input", input.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertFalse(r.err().contains("internal error"), r.err());
        assertTrue(r.err().contains(checkpoint.toString()), r.err());
        return r.err();
    }

    @Test
    void aMissingHeadBiasIsRefused() throws Exception {
        editWeights(t -> t.remove("heads.sst2.bias"));
        assertTrue(predictError().contains("has no tensor heads.sst2.bias"));
    }

    @Test
    void aHeadOfTheWrongShapeNamesTheCheckpoint() throws Exception {
        editWeights(t -> t.put("heads.sst2.bias", torch.zeros(3)));
        assertTrue(predictError().contains("checkpoint tensor heads.sst2.bias has shape [3], expected [2]"));
    }

    @Test
    void anIntegerHeadTensorIsRefused() throws Exception {
        editWeights(t -> t.put("heads.sst2.bias", t.get("heads.sst2.bias").to(torch.ScalarType.Int)));
        assertTrue(predictError().contains("tensor heads.sst2.bias has dtype I32"));
    }

    @Test
    void aMissingPoolerUnderPoolerHeadsIsRefused() throws Exception {
        editWeights(t -> {
            t.remove("pooler.dense.weight");
            t.remove("pooler.dense.bias");
        });
        assertTrue(predictError().contains("no pooler weights, but its heads read the pooler"));
    }

    @Test
    void aCheckpointOfANewerFormatIsRefusedNotMisread() throws Exception {
        Path meta = checkpoint.resolve("mtl4j.json");
        Files.writeString(meta, Files.readString(meta).replace("mtl4j-checkpoint/1", "mtl4j-checkpoint/9"));
        String err = predictError();
        assertTrue(err.contains(meta + ": format mtl4j-checkpoint/9 is newer than this mtl4j reads (mtl4j-checkpoint/1)"), err);
    }

    @Test
    void aCheckpointWithoutTasksIsRefused() throws Exception {
        Path meta = checkpoint.resolve("mtl4j.json");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(meta.toFile());
        root.putArray("tasks");
        json.writeValue(meta.toFile(), root);
        CliRunner r = CliRunner.run("eval", "--checkpoint", checkpoint.toString(), "--data", dir.resolve("glue").toString(),
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains(meta + ": no tasks"), r.err());
    }

    @Test
    void anUnknownHeadInputNamesTheCheckpointNotAFlag() throws Exception {
        Path meta = checkpoint.resolve("mtl4j.json");
        Files.writeString(meta, Files.readString(meta).replace("\"head_input\" : \"pooler\"", "\"head_input\" : \"bogus\""));
        String err = predictError();
        assertTrue(err.contains(meta + ": head_input must be pooler, cls or mean, got bogus"), err);
    }
}
