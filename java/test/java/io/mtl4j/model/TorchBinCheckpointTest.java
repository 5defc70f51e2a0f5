package io.mtl4j.model;

import io.mtl4j.model.torchbin.ConvertedWeights;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TestResources;
import io.mtl4j.util.UserError;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model directory with only pytorch_model.bin loads like its safetensors twin, converting once. */
class TorchBinCheckpointTest {
    @TempDir
    Path tmp;
    Path safetensorsDir;
    Path binDir;
    Path bins;
    Path cache;

    @BeforeEach
    void directories() throws Exception {
        safetensorsDir = TestResources.copyTree("/golden/tiny-bert/f32", tmp.resolve("st"));
        bins = TestResources.copyTree("/golden/torch-bin", tmp.resolve("torch-bin"));
        binDir = TestResources.copyTree("/golden/tiny-bert/f32", tmp.resolve("bin"));
        Files.delete(binDir.resolve(CheckpointLoader.WEIGHTS));
        Files.copy(bins.resolve("zip.bin"), binDir.resolve(ConvertedWeights.BIN));
        cache = tmp.resolve("cache");
    }

    @Test
    void aBinOnlyDirectoryGivesTheSameEncoderOutputs() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            BertModel expected = CheckpointLoader.load(safetensorsDir, Set.of(), cache).model();
            CheckpointLoader.Loaded loaded = CheckpointLoader.load(binDir, Set.of(), cache);
            assertEquals(expected.parameters().keySet(), loaded.model().parameters().keySet());
            assertArrayEquals(outputs(expected), outputs(loaded.model()));
        }
    }

    @Test
    void theConversionIsCachedAndRedoneWhenTheBinChanges() throws Exception {
        Path converted = loadAndFindConverted();
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(converted, old);
        assertEquals(converted, loadAndFindConverted());
        assertEquals(old, Files.getLastModifiedTime(converted), "the second load rewrote the conversion");

        Files.copy(bins.resolve("legacy.bin"), binDir.resolve(ConvertedWeights.BIN),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path again = ConvertedWeights.of(binDir.resolve(ConvertedWeights.BIN), cache);
        assertNotEquals(converted, again);
        assertTrue(Files.isRegularFile(converted));
        assertTrue(Files.isRegularFile(again));
        UserError e = assertThrows(UserError.class, () -> CheckpointLoader.load(binDir, Set.of(), cache));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aShardedBinIndexConvertsEveryShard() throws Exception {
        Files.move(binDir.resolve(ConvertedWeights.BIN), binDir.resolve("pytorch_model-00001-of-00001.bin"));
        Files.writeString(binDir.resolve(ConvertedWeights.BIN_INDEX),
                "{\"metadata\": {}, \"weight_map\": {\"bert.pooler.dense.weight\": \"pytorch_model-00001-of-00001.bin\"}}");
        try (PointerScope scope = new PointerScope()) {
            assertTrue(CheckpointLoader.load(binDir, Set.of(), cache).model().hasPooler());
        }
    }

    @Test
    void aForbiddenPickleIsRefusedThroughTheLoader() throws Exception {
        Files.copy(bins.resolve("forbidden-os-system.bin"), binDir.resolve(ConvertedWeights.BIN),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        UserError e = assertThrows(UserError.class, () -> CheckpointLoader.load(binDir, Set.of(), cache));
        assertTrue(e.getMessage().contains("refused: pickle global posix.system"), e.getMessage());
    }

    private Path loadAndFindConverted() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            CheckpointLoader.load(binDir, Set.of(), cache);
        }
        try (Stream<Path> files = Files.walk(cache)) {
            List<Path> converted = files.filter(Files::isRegularFile).toList();
            assertEquals(1, converted.size(), converted.toString());
            return converted.get(0);
        }
    }

    private static float[] outputs(BertModel model) {
        long[] ids = {2, 10, 11, 12, 3, 20, 21, 3};
        long[] types = {0, 0, 0, 0, 0, 1, 1, 1};
        long[] mask = {1, 1, 1, 1, 1, 1, 1, 1};
        BertModel.Output out = model.forward(Tensors.longTensor(ids, 1, 8), Tensors.longTensor(types, 1, 8),
                Tensors.longTensor(mask, 1, 8), false);
        return Tensors.toFloatArray(out.lastHiddenState());
    }
}
