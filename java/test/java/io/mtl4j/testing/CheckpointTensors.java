package io.mtl4j.testing;

import io.mtl4j.model.CheckpointLoader;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Every tensor of a checkpoint directory by name: the encoder's, the heads' and the loss weights'. */
public final class CheckpointTensors {
    private CheckpointTensors() {
    }

    public static Map<String, Tensor> all(Path checkpoint) {
        CheckpointLoader.Loaded loaded = CheckpointLoader.load(checkpoint, Set.of("heads.", "loss_weights."));
        Map<String, Tensor> all = new LinkedHashMap<>(loaded.model().parameters());
        all.putAll(loaded.extras());
        return all;
    }
}
