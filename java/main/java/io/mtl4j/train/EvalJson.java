package io.mtl4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code RUN/eval.json}: the dev scores of the run's best checkpoint, as {@link BestTracker#bestMetrics()} holds them. */
final class EvalJson {
    private EvalJson() {
    }

    /** Compared as bytes: eval.json is only ever written by {@link #write}. */
    static boolean holdsTheBest(Path runDir, BestTracker best) throws IOException {
        Path file = runDir.resolve("eval.json");
        return Files.isRegularFile(file)
                && java.util.Arrays.equals(Files.readAllBytes(file), Checkpoints.JSON.writeValueAsBytes(best.bestMetrics()));
    }

    static void write(Path runDir, BestTracker best) throws IOException {
        byte[] json = Checkpoints.JSON.writeValueAsBytes(best.bestMetrics());
        io.mtl4j.util.AtomicFiles.write(runDir.resolve("eval.json"), out -> out.write(json));
    }
}
