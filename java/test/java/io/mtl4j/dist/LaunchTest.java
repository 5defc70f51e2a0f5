package io.mtl4j.dist;

import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.train.Checkpoints;
import io.mtl4j.train.TrainSession;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mtl4j launch} with two Gloo workers on 127.0.0.1, one of which is killed mid-run. */
class LaunchTest {
    private static final int DIST_TIMEOUT_S = 20;
    private static final int GRACE_S = 10;

    @TempDir
    Path dir;

    @Test
    void killingOneWorkerStopsTheOtherWithAnErrorNamingItAndKeepsTheLastCheckpoint() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 5);
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 16, 4);
        Path run = dir.resolve("run");
        Path log = dir.resolve("launch.log");
        List<String> command = new ArrayList<>(List.of(DistProcesses.java(), "-cp", DistProcesses.classpath(),
                "io.mtl4j.cli.Main", "launch", "--nproc-per-node", "2", "--master-port", String.valueOf(DistProcesses.freePort()),
                "--grace", String.valueOf(GRACE_S),
                "train", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp",
                "--steps", "1000000", "--batch-size", "4", "--eval-every", "0", "--save-every", "2", "--keep-last", "2",
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(), "--output", run.toString(),
                "--dist-timeout", String.valueOf(DIST_TIMEOUT_S)));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process launch = pb.start();
        try {
            long victim = awaitTrainingAndFindRank1(launch, log, run);
            ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
            long killedAt = System.nanoTime();
            boolean stopped = launch.waitFor(DIST_TIMEOUT_S + GRACE_S + 30, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            String out = Files.readString(log);
            assertTrue(stopped, "the launcher still runs after the kill:\n" + out);
            assertNotEquals(0, launch.exitValue(), out);
            assertTrue(out.contains("rank 1 (pid " + victim + ") was killed by SIGKILL"), out);
            // Rank 0 noticed by itself (Gloo sees the closed connection), well within the timeout.
            assertTrue(out.contains("rank 0: all-reduce of"), out);
            assertTrue(out.contains("rank(s) 1 stopped responding"), out);
            assertTrue(seconds < DIST_TIMEOUT_S + GRACE_S + 20, "took " + seconds + " s");
        } finally {
            launch.destroyForcibly();
            launch.descendants().forEach(ProcessHandle::destroyForcibly);
        }

        Path newest = Checkpoints.newestResumable(run);
        CheckpointLoader.load(newest, Set.of("heads.", "loss_weights."));
        assertEquals(2, ((Number) Checkpoints.readMeta(newest).get("world_size")).intValue());
        UserError e = assertThrows(UserError.class, () -> TrainSession.run(null, null, run, List.of()));
        assertTrue(e.getMessage().contains("with world size 1: it was trained with 2"), e.getMessage());
    }

    /** Waits until rank 0 has saved a checkpoint (so both ranks are training); returns rank 1's pid. */
    private static long awaitTrainingAndFindRank1(Process launch, Path log, Path run) throws Exception {
        Pattern started = Pattern.compile("started rank 1 of 2: pid (\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String out = Files.exists(log) ? Files.readString(log) : "";
            Matcher m = started.matcher(out);
            if (m.find() && Files.isDirectory(run.resolve("last"))) {
                return Long.parseLong(m.group(1));
            }
            assertTrue(launch.isAlive(), "the launcher ended early:\n" + out);
            Thread.sleep(100);
        }
        throw new AssertionError("training did not start:\n" + Files.readString(log));
    }
}
