package io.mtl4j.model.torchbin;

import io.mtl4j.testing.TestResources;
import io.mtl4j.util.Hashing;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What {@link ConvertedWeights#of} writes, and where in the cache. */
class ConvertedWeightsTest {
    /**
     * sha256 of each fixture's model.safetensors as written by the in-memory conversion (before it
     * streamed, with its metadata order fixed): the streaming conversion must write the same bytes.
     */
    private static final Map<String, String> CONVERTED_SHA256 = Map.of(
            "zip.bin", "7ec1fa6cdd0321e47800828a7c69047fd76994bf8a6868d9da4f764e4e0c6935",
            "legacy.bin", "2cc6ef6a1037a7c512ff9898d0d02887c603aaa3ba18e319163b1c739d5f2c1e",
            "views.bin", "d3d80c7a0ab3a3f721200c378b18198d334f0420a7c254e5193df8af97e47d11",
            "views-legacy.bin", "0f107b82b1e7b22cd99f591d242229e843d451780c0c1419399f0f2b6163f8fe");

    @TempDir
    Path tmp;
    Path bins;

    @BeforeEach
    void copyFixtures() throws Exception {
        bins = TestResources.copyTree("/golden/torch-bin", tmp.resolve("torch-bin"));
    }

    @Test
    void theConversionWritesTheSameBytesAsTheInMemoryOneDid() {
        CONVERTED_SHA256.forEach((fixture, sha) -> {
            Path bin = bins.resolve(fixture);
            Path converted = ConvertedWeights.of(bin, tmp.resolve("cache"));
            assertEquals(tmp.resolve("cache").resolve(Hashing.sha256Hex(bin)).resolve("model.safetensors"), converted);
            assertEquals(sha, Hashing.sha256Hex(converted), fixture);
        });
    }
}
