package io.mtl4j.model.torchbin;

import io.mtl4j.testing.TestResources;
import io.mtl4j.util.Hashing;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void aHubCacheBlobIsFoundUnderTheSameCacheEntryAsHashingGives() throws Exception {
        Path bin = bins.resolve("zip.bin");
        String sha = Hashing.sha256Hex(bin);
        Path snapshot = hubLayout(bin, sha);
        Path cache = tmp.resolve("cache");
        assertEquals(ConvertedWeights.of(bin, cache), ConvertedWeights.of(snapshot, cache));
        assertEquals(cache.resolve(sha).resolve("model.safetensors"), ConvertedWeights.of(snapshot, cache));
    }

    @Test
    void aHubCacheBlobIsNotHashedAgain() throws Exception {
        // A blob's name is its sha256, verified when it was downloaded; a name that is not
        // shows that the name was used rather than the content hashed again.
        String name = "ab".repeat(32);
        Path snapshot = hubLayout(bins.resolve("zip.bin"), name);
        assertEquals(tmp.resolve("cache").resolve(name).resolve("model.safetensors"),
                ConvertedWeights.of(snapshot, tmp.resolve("cache")));
    }

    @Test
    void aFileWhoseNameOrDirectoryIsNotABlobsIsHashed() throws Exception {
        Path bin = bins.resolve("zip.bin");
        String sha = Hashing.sha256Hex(bin);
        Path expected = tmp.resolve("cache").resolve(sha).resolve("model.safetensors");
        for (String blob : List.of("blobs/" + "AB".repeat(32), "blobs/" + "ab".repeat(31), "blobs/" + "ab".repeat(32) + ".bin",
                "git-sha1/blobs/" + "ab".repeat(20), "notblobs/" + "ab".repeat(32))) {
            Path file = tmp.resolve("other").resolve(blob);
            Files.createDirectories(file.getParent());
            Files.copy(bin, file);
            assertEquals(expected, ConvertedWeights.of(file, tmp.resolve("cache")), blob);
        }
    }

    /** {@code hub/blobs/<blob>} holding {@code bin}'s bytes and the snapshot symlink to it, which this returns. */
    private Path hubLayout(Path bin, String blob) throws Exception {
        Path repo = tmp.resolve("hub/models--someone--bert");
        Files.createDirectories(repo.resolve("blobs"));
        Files.copy(bin, repo.resolve("blobs").resolve(blob));
        Path snapshot = repo.resolve("snapshots/main/pytorch_model.bin");
        Files.createDirectories(snapshot.getParent());
        return Files.createSymbolicLink(snapshot, Path.of("../../blobs").resolve(blob));
    }
}
