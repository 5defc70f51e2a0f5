package io.mtl4j.model.torchbin;

import io.mtl4j.model.safetensors.SafeTensorsWriter;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a {@code pytorch_model.bin} (or one shard of it) once into a safetensors file in a
 * cache, {@code <cache>/<sha256 of the .bin>/model.safetensors}, so every later load reads
 * safetensors. A changed .bin has another hash and is converted again.
 */
public final class ConvertedWeights {
    public static final String BIN = "pytorch_model.bin";
    public static final String BIN_INDEX = "pytorch_model.bin.index.json";
    private static final String CONVERTED = "model.safetensors";
    private static final Logger LOG = LogManager.getLogger(ConvertedWeights.class);

    private ConvertedWeights() {
    }

    /** The cached safetensors file for {@code bin}, converting it first if the cache has none. */
    public static Path of(Path bin, Path cacheRoot) {
        String sha;
        try {
            sha = Hashing.fileSha256Hex(bin);
        } catch (IOException e) {
            throw new UserError(bin + ": cannot read: " + e.getMessage(), e);
        }
        Path target = cacheRoot.resolve(sha).resolve(CONVERTED);
        if (Files.isRegularFile(target)) {
            return target;
        }
        List<TorchBinReader.StoredTensor> tensors = TorchBinReader.read(bin);
        List<SafeTensorsWriter.Entry> entries = tensors.stream()
                .map(t -> new SafeTensorsWriter.Entry(t.name(), t.dtype(), t.shape(), t.data()))
                .toList();
        try {
            AtomicFiles.writePath(target, tmp -> SafeTensorsWriter.write(tmp, entries, metadata(sha)));
        } catch (IOException e) {
            throw new UserError("cannot write " + target + " (converting " + bin + "): " + e.getMessage(), e);
        }
        LOG.info("{}: converted {} tensors to safetensors once, cached as {}", bin, entries.size(), target);
        return target;
    }

    /**
     * The header's {@code __metadata__}, in a fixed order: {@code Map.of}'s order changes from one
     * JVM to the next, and with it the bytes of a conversion of the same .bin.
     */
    private static Map<String, String> metadata(String sha) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("converted_from_sha256", sha);
        return metadata;
    }
}
