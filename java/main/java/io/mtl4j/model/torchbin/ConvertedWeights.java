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
import java.util.regex.Pattern;

/**
 * Converts a {@code pytorch_model.bin} (or one shard of it) once into a safetensors file in a
 * cache, {@code <cache>/<sha256 of the .bin>/model.safetensors}, so every later load reads
 * safetensors. A changed .bin has another hash and is converted again. A .bin in a hub cache is
 * not hashed: its blob's name is its sha256 (see {@link #contentSha256}).
 */
public final class ConvertedWeights {
    public static final String BIN = "pytorch_model.bin";
    public static final String BIN_INDEX = "pytorch_model.bin.index.json";
    private static final String CONVERTED = "model.safetensors";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Logger LOG = LogManager.getLogger(ConvertedWeights.class);

    private ConvertedWeights() {
    }

    /** The cached safetensors file for {@code bin}, converting it first if the cache has none. */
    public static Path of(Path bin, Path cacheRoot) {
        String sha;
        try {
            sha = contentSha256(bin);
        } catch (IOException e) {
            throw new UserError(bin + ": cannot read: " + e.getMessage(), e);
        }
        Path target = cacheRoot.resolve(sha).resolve(CONVERTED);
        if (Files.isRegularFile(target)) {
            return target;
        }
        int count;
        try (TorchBinReader.StateDict dict = TorchBinReader.open(bin)) {
            List<SafeTensorsWriter.Spec> specs = dict.tensors().stream()
                    .map(t -> new SafeTensorsWriter.Spec(t.name(), t.dtype(), t.shape()))
                    .toList();
            count = specs.size();
            AtomicFiles.writePath(target, tmp -> stream(dict, tmp, specs, sha));
        } catch (IOException e) {
            throw new UserError("cannot write " + target + " (converting " + bin + "): " + e.getMessage(), e);
        }
        LOG.info("{}: converted {} tensors to safetensors once, cached as {}", bin, count, target);
        return target;
    }

    /**
     * Writes the header, then each tensor as its storage is read: one storage in memory at a
     * time, where reading them all first needed heap for twice the file (OutOfMemoryError for a
     * 1.3 GB bert-large on an 8 GB machine's default heap).
     */
    private static void stream(TorchBinReader.StateDict dict, Path tmp, List<SafeTensorsWriter.Spec> specs, String sha)
            throws IOException {
        try (SafeTensorsWriter.Streaming out = SafeTensorsWriter.open(tmp, specs, metadata(sha))) {
            dict.readTensors(out::write);
            out.finish();
        }
    }

    /**
     * The sha256 of {@code bin}'s bytes. A file of a Hugging Face hub cache (a snapshot symlink to
     * {@code blobs/<sha256>}) is named by it: LFS blobs are named by their sha256, which the hub
     * client verified on download, so the name is used instead of hashing the whole file (~1 s per
     * 440 MB) on every load. Any other file, including a blob named by a git sha1, is hashed.
     */
    static String contentSha256(Path bin) throws IOException {
        Path real = bin.toRealPath();
        Path dir = real.getParent();
        String name = real.getFileName().toString();
        if (SHA256_HEX.matcher(name).matches() && dir != null && dir.getFileName() != null
                && dir.getFileName().toString().equals("blobs")) {
            return name;
        }
        return Hashing.fileSha256Hex(bin);
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
