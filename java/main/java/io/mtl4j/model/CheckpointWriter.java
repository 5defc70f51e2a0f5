package io.mtl4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mtl4j.model.safetensors.SafeTensorsWriter;
import io.mtl4j.util.AtomicFiles;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Saves a {@link BertModel} in Hugging Face format: config.json and model.safetensors. */
public final class CheckpointWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointWriter() {
    }

    /** Writes the encoder (names as Hugging Face's BertModel) plus any extra tensors, each file atomically. */
    public static void save(BertModel model, Map<String, Tensor> extras, Path dir) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        Map<String, Tensor> all = new LinkedHashMap<>(model.parameters());
        if (extras != null) {
            all.putAll(extras);
        }
        writeSafetensors(all, dir.resolve(CheckpointLoader.WEIGHTS), Map.of("format", "pt"));
        byte[] config = JSON.writeValueAsBytes(model.config().encoderRaw());
        AtomicFiles.write(dir.resolve(BertConfig.FILE_NAME), out -> out.write(config));
    }

    public static void writeSafetensors(Map<String, Tensor> tensors, Path file, Map<String, String> metadata)
            throws IOException {
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long[] shape = new long[(int) t.dim()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.size(i);
            }
            entries.add(new SafeTensorsWriter.Entry(e.getKey(), TensorBridge.dtype(t.scalar_type()), shape,
                    TensorBridge.bytes(t)));
        }
        AtomicFiles.writePath(file, tmp -> SafeTensorsWriter.write(tmp, entries, metadata));
    }
}
