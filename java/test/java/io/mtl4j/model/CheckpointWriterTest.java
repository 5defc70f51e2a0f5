package io.mtl4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.model.safetensors.DType;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.TensorInfo;
import io.mtl4j.testing.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CheckpointWriterTest {
    @TempDir
    Path dir;

    @Test
    void aHalfPrecisionModelSavedInFloat32SaysFloat32() throws Exception {
        Path f16 = TestResources.copyTree("/golden/tiny-bert/f16-nopooler-gelu_new", dir.resolve("f16"));
        BertModel model = CheckpointLoader.load(f16).model();
        Path saved = dir.resolve("saved");
        CheckpointWriter.save(model, Map.of(), saved);

        try (SafeTensorsFile st = SafeTensorsFile.open(saved.resolve(CheckpointLoader.WEIGHTS))) {
            for (TensorInfo info : st.tensors().values()) {
                assertEquals(DType.F32, info.dtype(), info.name());
            }
        }
        // transformers loads in config.json's torch_dtype under dtype="auto" (the default since v5)
        JsonNode config = new ObjectMapper().readTree(saved.resolve(BertConfig.FILE_NAME).toFile());
        assertEquals("float32", config.path("torch_dtype").asText(), config.toString());
    }
}
