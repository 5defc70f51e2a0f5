package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.hub.ShardIndexAccess;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.CheckpointLoaderAccess;
import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fuzzed {@code model.safetensors.index.json}, read by the hub client (which downloads every
 * shard it lists into the cache) and by {@code CheckpointLoader} (which opens them).
 */
class ShardIndexFuzzTest {
    /** Shards that exist next to the index in {@link #checkpointWeightFiles}. */
    static final List<String> PRESENT = List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");

    @FuzzTest
    void hubShards(byte[] data) {
        Path dir = FuzzFiles.dir("hubindex");
        Path index = FuzzFiles.write(dir, CheckpointLoader.WEIGHTS_INDEX, data);
        List<String> shards;
        try {
            shards = ShardIndexAccess.shards(index);
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, index);
            return;
        }
        assertFalse(shards.isEmpty());
        for (String shard : shards) {
            // The hub client writes each shard to snapshots/<commit>/<shard>: it must stay there.
            assertTrue(shard.endsWith(".safetensors"), shard);
            assertTrue(isPlainFileName(shard), "shard name escapes the snapshot directory: " + shard);
        }
    }

    @FuzzTest
    void checkpointWeightFiles(byte[] data) throws Exception {
        Path dir = FuzzFiles.dir("ckptindex");
        for (String shard : PRESENT) {
            Files.write(dir.resolve(shard), new byte[0]);
        }
        Path index = FuzzFiles.write(dir, CheckpointLoader.WEIGHTS_INDEX, data);
        List<Path> files;
        try {
            files = CheckpointLoaderAccess.weightFiles(dir);
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, index);
            return;
        }
        for (Path f : files) {
            assertEquals(dir.normalize(), f.getParent(), "shard outside the model directory: " + f);
            assertTrue(Files.isRegularFile(f), f.toString());
        }
    }

    /** True if {@code name} names a file directly inside whatever directory it is resolved against. */
    static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }
}
