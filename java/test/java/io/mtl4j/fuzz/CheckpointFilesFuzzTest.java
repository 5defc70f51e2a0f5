package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.train.Checkpoints;
import io.mtl4j.train.TrainerState;
import io.mtl4j.util.UserError;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer's own checkpoint files, as a resumed run or {@code mtl4j eval} reads them: trainer_state.json and mtl4j.json. */
class CheckpointFilesFuzzTest {

    @FuzzTest
    void trainerState(byte[] data) {
        Path dir = FuzzFiles.dir("ckpt-state");
        Path file = FuzzFiles.write(dir, Checkpoints.STATE, data);
        try {
            TrainerState s = Checkpoints.readState(dir);
            assertTrue(s.step() >= 0 && s.cursors() != null && s.taskSteps() != null);
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, file);
        }
    }

    @FuzzTest
    @SuppressWarnings("unchecked")
    void metaAndSavedConfig(byte[] data) {
        Path dir = FuzzFiles.dir("ckpt-meta");
        Path file = FuzzFiles.write(dir, Checkpoints.META, data);
        try {
            Map<String, Object> meta = Checkpoints.readMeta(dir);
            if (meta.get("config") instanceof Map<?, ?> config) {
                ConfigLoader.fromSaved((Map<String, Object>) config, file.toString());
            }
        } catch (UserError e) {
            String m = String.valueOf(e.getMessage());
            assertTrue(m.contains(file.toString()) || m.startsWith("missing "), m);
        }
    }
}
