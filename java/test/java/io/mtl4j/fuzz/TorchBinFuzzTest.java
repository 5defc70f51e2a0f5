package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.model.torchbin.TorchBinReader;
import io.mtl4j.model.torchbin.TorchBinReader.StoredTensor;
import io.mtl4j.util.UserError;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link TorchBinReader#read} (pytorch_model.bin, zip or legacy format) on arbitrary bytes. */
class TorchBinFuzzTest {

    @FuzzTest
    void read(byte[] data) {
        Path file = FuzzFiles.write(FuzzFiles.dir("torchbin"), "pytorch_model.bin", data);
        try {
            for (StoredTensor t : TorchBinReader.read(file)) {
                long numel = 1;
                for (long d : t.shape()) {
                    numel *= d;
                }
                assertEquals(numel * t.dtype().bytes(), t.data().remaining(), t.name());
            }
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, file);
        }
    }
}
