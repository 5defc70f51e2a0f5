package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.TensorInfo;
import io.mtl4j.util.UserError;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link SafeTensorsFile#open} on arbitrary bytes, then {@code map()} of every tensor it reports. */
class SafeTensorsFuzzTest {

    @FuzzTest
    void openAndMapEveryTensor(byte[] data) {
        Path file = FuzzFiles.write(FuzzFiles.dir("safetensors"), "model.safetensors", data);
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            for (TensorInfo info : st.tensors().values()) {
                ByteBuffer bytes = st.map(info);
                assertEquals(info.byteLength(), bytes.remaining(), info.name());
                assertEquals(info.numel() * info.dtype().bytes(), bytes.remaining(), info.name());
                for (int i = 0; i < bytes.remaining(); i++) {
                    bytes.get(i); // every mapped byte must be readable
                }
            }
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, file);
        }
    }
}
