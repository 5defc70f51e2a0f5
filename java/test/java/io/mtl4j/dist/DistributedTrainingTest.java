package io.mtl4j.dist;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.train.TrainSession;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data parallel training with two real processes on 127.0.0.1 over Gloo: the ranks end with
 * equal parameters, and those equal a single process that trained on the same global batches
 * (accumulating what the ranks split), with plain steps and with PCGrad. Dropout is off; losses
 * are normalised by the global example count.
 */
class DistributedTrainingTest {
    @TempDir
    Path dir;
    Path model;
    Path data;

    @BeforeEach
    void setUp() throws Exception {
        model = dir.resolve("model");
        TinyModels.write(model, 23);
        data = TinyGlue.write(dir.resolve("glue"), 96, 16, 9);
    }

    private Map<String, Object> options(String mtl, int batch, int accum) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.toString());
        o.put("data", data.toString());
        o.put("tasks", "sst2,qqp");
        o.put("steps", 5L);
        o.put("batch-size", batch);
        o.put("grad-accum", accum);
        o.put("eval-every", 0L);
        o.put("warmup-ratio", 0.0);
        o.put("lr", 1e-3);
        o.put("dropout", false);
        o.put("sampler", "temperature");
        o.put("mtl", mtl);
        o.put("device", "cpu");
        o.put("cache-dir", dir.resolve("cache").toString());
        return o;
    }

    private static List<String> cli(Map<String, Object> o) {
        List<String> args = new ArrayList<>(List.of("train"));
        o.forEach((k, v) -> {
            args.add("--" + k);
            args.add(String.valueOf(v));
        });
        return args;
    }

    private static Map<String, Tensor> parameters(Path checkpoint) {
        return io.mtl4j.testing.CheckpointTensors.all(checkpoint);
    }

    private static void assertClose(Map<String, Tensor> expected, Map<String, Tensor> actual, double tolerance, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        double worst = 0;
        for (String name : expected.keySet()) {
            float[] a = Tensors.toFloatArray(expected.get(name));
            float[] b = Tensors.toFloatArray(actual.get(name));
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
        }
        assertTrue(worst <= tolerance, what + ": largest difference " + worst + " > " + tolerance);
    }

    /** Trains with two ranks; returns the run directory. Each rank dumps its final parameters. */
    private Path trainDistributed(String name, Map<String, Object> o) throws Exception {
        Path run = dir.resolve(name);
        o.put("output", run.toString());
        runRanks(name, cli(o), List.of(), 0);
        return run;
    }

    /** Runs {@code args} as two ranks (each dumping its final parameters) and checks their exit codes. */
    private void runRanks(String name, List<String> args, List<String> jvm, int expectedExit) throws Exception {
        int port = DistProcesses.freePort();
        List<String> options = new ArrayList<>(jvm);
        options.add("-Dmtl4j.test.dump-params=" + dir.resolve(name + "-params"));
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--dist-timeout", "60"));
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            ranks.add(DistProcesses.rank(r, 2, port, dir.resolve(name + "-rank" + r + ".log"), options,
                    "io.mtl4j.cli.Main", all));
        }
        for (int r = 0; r < 2; r++) {
            Process p = ranks.get(r);
            boolean done = p.waitFor(180, TimeUnit.SECONDS);
            String log = Files.readString(dir.resolve(name + "-rank" + r + ".log"));
            if (!done) {
                ranks.forEach(Process::destroyForcibly);
            }
            assertTrue(done, "rank " + r + " did not finish:\n" + log);
            assertEquals(expectedExit, p.exitValue(), "rank " + r + ":\n" + log);
        }
    }

    private void assertDistributedEqualsSingle(String mtl, int singleAccum, int rankAccum) throws Exception {
        Path single = TrainSession.run(ConfigLoader.load(null, options(mtl, 4, singleAccum)), dir.resolve("single-" + mtl),
                null, List.of()).runDir();
        Path run = trainDistributed("dp-" + mtl, options(mtl, 4, rankAccum));

        Map<String, Tensor> rank0 = parameters(dir.resolve("dp-" + mtl + "-params/rank-0"));
        Map<String, Tensor> rank1 = parameters(dir.resolve("dp-" + mtl + "-params/rank-1"));
        assertClose(rank0, rank1, 0.0, "rank 0 vs rank 1");
        Map<String, Tensor> reference = parameters(single.resolve("last"));
        assertClose(reference, rank0, 1e-5, "2 ranks vs one process with the same global batch");
        assertClose(reference, parameters(run.resolve("last")), 1e-5, "rank 0's checkpoint");
        Map<String, Tensor> initial = parameters(model);
        assertFalse(initial.get("encoder.layer.0.attention.self.query.weight").equal(
                rank0.get("encoder.layer.0.attention.self.query.weight")), "training changed nothing");

        // One writer: the run directory holds rank 0's metrics, one line per step.
        long trainLines = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count();
        long expectedLines = mtl.equals("pcgrad") ? 10 : 5;
        assertEquals(expectedLines, trainLines, "metrics lines");
        assertEquals(2, ((Number) io.mtl4j.train.Checkpoints.readMeta(run.resolve("last")).get("world_size")).intValue());
    }

    @Test
    void plainStepsWithAccumulationEqualOneProcess() throws Exception {
        assertDistributedEqualsSingle("plain", 4, 2);
    }

    @Test
    void aStoppedDistributedRunResumesToTheSameResult() throws Exception {
        Path single = TrainSession.run(ConfigLoader.load(null, options("plain", 4, 4)), dir.resolve("single"),
                null, List.of()).runDir();
        Map<String, Object> o = options("plain", 4, 2);
        Path run = dir.resolve("dp-stopped");
        o.put("output", run.toString());
        // Both ranks are asked to stop before step 3 (as by SIGTERM); they agree, rank 0 saves, both exit 130.
        runRanks("dp-stopped", cli(o), List.of("-Dmtl4j.test.stop-at-step=2"), 130);
        assertEquals(2, io.mtl4j.train.Checkpoints.readState(run.resolve("last")).step());
        runRanks("dp-resumed", List.of("train", "--resume", run.toString()), List.of(), 0);
        assertClose(parameters(single.resolve("last")), parameters(dir.resolve("dp-resumed-params/rank-1")), 1e-5,
                "a resumed 2-rank run vs one process");
        assertClose(parameters(single.resolve("last")), parameters(run.resolve("last")), 1e-5, "rank 0's checkpoint");
    }

    @Test
    void pcgradStepsEqualOneProcess() throws Exception {
        assertDistributedEqualsSingle("pcgrad", 2, 1);
    }

    @Test
    void resumingARunAnotherProcessTrainsInIsRefusedOnEveryRankAtOnce() throws Exception {
        Map<String, Object> o = options("plain", 4, 1);
        o.put("steps", 1L);
        Path run = TrainSession.run(ConfigLoader.load(null, o), dir.resolve("busy"), null, List.of()).runDir();
        try (io.mtl4j.train.RunLock busy = io.mtl4j.train.RunLock.acquire(run)) {
            long started = System.nanoTime();
            runRanks("busy", List.of("train", "--resume", run.toString()), List.of(), 2);
            double seconds = (System.nanoTime() - started) / 1e9;
            // Rank 0 cannot lock the run; rank 1 must hear so, not wait out --dist-timeout (60 s) for it.
            assertTrue(seconds < 45, "took " + seconds + " s:\n" + Files.readString(dir.resolve("busy-rank1.log")));
            assertTrue(Files.readString(dir.resolve("busy-rank0.log")).contains("another mtl4j run is training"));
            assertTrue(Files.readString(dir.resolve("busy-rank1.log")).contains("rank 0 refused"),
                    Files.readString(dir.resolve("busy-rank1.log")));
        }
    }

    @Test
    void ranksThatResumeDifferentCheckpointsStopInsteadOfTrainingApart() throws Exception {
        Map<String, Object> o = options("plain", 4, 1);
        o.put("save-every", 1L);
        o.put("keep-last", 3L);
        Path run = dir.resolve("apart");
        o.put("output", run.toString());
        runRanks("apart", cli(o), List.of("-Dmtl4j.test.stop-at-step=2"), 130);
        // Rank 1's copy of the run (a node-local disk, say) is one step behind.
        Path stale = dir.resolve("apart-stale");
        try (java.util.stream.Stream<Path> files = Files.walk(run)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, stale.resolve(run.relativize(f).toString()));
            }
        }
        io.mtl4j.util.Files2.deleteTree(stale.resolve("last"));
        io.mtl4j.util.Files2.deleteTree(stale.resolve("step-2"));
        int port = DistProcesses.freePort();
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Path resume = r == 0 ? run : stale;
            ranks.add(DistProcesses.rank(r, 2, port, dir.resolve("apart-resumed-rank" + r + ".log"),
                    "io.mtl4j.cli.Main", List.of("train", "--resume", resume.toString(), "--dist-timeout", "60")));
        }
        StringBuilder logs = new StringBuilder();
        for (int r = 0; r < 2; r++) {
            boolean done = ranks.get(r).waitFor(180, TimeUnit.SECONDS);
            if (!done) {
                ranks.forEach(Process::destroyForcibly);
            }
            assertTrue(done, "rank " + r + " did not finish");
            logs.append("rank ").append(r).append(" exited ").append(ranks.get(r).exitValue()).append(":\n")
                    .append(Files.readString(dir.resolve("apart-resumed-rank" + r + ".log")));
        }
        for (int r = 0; r < 2; r++) {
            assertEquals(2, ranks.get(r).exitValue(), logs.toString());
            assertTrue(Files.readString(dir.resolve("apart-resumed-rank" + r + ".log")).contains(r == 1
                    ? "rank 1 resumed at step 1, rank 0 at step 2" : "another rank resumed at a step other than rank 0's"),
                    logs.toString());
        }
    }
}
