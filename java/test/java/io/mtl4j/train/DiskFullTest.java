package io.mtl4j.train;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A run directory on a small tmpfs: the checkpoint that does not fit is a clear error; the previous one survives. */
class DiskFullTest {
    @TempDir
    Path dir;

    private static boolean run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void aFullDiskIsAClearErrorAndThePreviousCheckpointSurvives() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", small.toString()),
                "cannot mount a small tmpfs here (needs root): skipping the disk-full test");
        try {
            Path model = dir.resolve("model");
            TinyModels.write(model, 4);
            Path data = TinyGlue.write(dir.resolve("glue"), 32, 8, 2);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model.toString());
            o.put("data", data.toString());
            o.put("tasks", "sst2");
            o.put("steps", 4L);
            o.put("batch-size", 8);
            o.put("eval-every", 0L);
            o.put("save-every", 1L);
            o.put("keep-last", 1);
            o.put("device", "cpu");
            o.put("cache-dir", dir.resolve("cache").toString());
            Path runDir = small.resolve("run");
            UserError e = assertThrows(UserError.class,
                    () -> TrainSession.run(ConfigLoader.load(null, o), runDir, null, List.of()));
            assertTrue(e.getMessage().contains("no space left on device") && e.getMessage().contains("intact"), e.getMessage());
            Path newest = Checkpoints.newestResumable(runDir);
            assertEquals(1, Checkpoints.readState(newest).step());
            CheckpointLoader.load(newest, Set.of("heads."));
            try (var files = Files.list(runDir)) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "no temp directory left behind");
            }
        } finally {
            run("umount", "-l", small.toString()); // lazy: mapped tensors may still pin the file system until GC
        }
    }
}
