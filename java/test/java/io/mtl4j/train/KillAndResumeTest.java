package io.mtl4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection: trains in a child JVM, kills it with SIGKILL at random moments (checkpoints are
 * written every step, so many kills land inside a checkpoint write), resumes, and repeats until the
 * run finishes. After every kill the newest checkpoint must load; at the end the losses and weights
 * must equal an uninterrupted run's. CI runs 3 trials; {@code mvn -Pslow test} runs 20
 * ({@code -Dmtl4j.kill.trials=N}).
 */
class KillAndResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STEPS = 24;
    private static final int KILLS_PER_TRIAL = 4;

    @TempDir
    Path dir;

    private List<String> args(Path model, Path data) {
        return List.of("--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp",
                "--steps", String.valueOf(STEPS), "--batch-size", "8", "--eval-every", "0", "--save-every", "1",
                "--keep-last", "2", "--lr", "1e-3", "--warmup-ratio", "0", "--sampler", "round-robin",
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString());
    }

    private Process start(List<String> cliArgs, Path log) throws Exception {
        String classpath = System.getProperty("mtl4j.classes") + File.pathSeparator
                + System.getProperty("mtl4j.lib") + File.separator + "*";
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, "io.mtl4j.cli.Main", "train"));
        command.addAll(cliArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void killedRunsResumeToTheSameResult() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 21);
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 16, 3);

        Map<String, Object> o = new LinkedHashMap<>();
        List<String> a = args(model, data);
        for (int i = 0; i < a.size(); i += 2) {
            o.put(a.get(i).substring(2), a.get(i + 1));
        }
        Path reference = TrainSession.run(ConfigLoader.load(null, o), dir.resolve("reference"), null, List.of()).runDir();
        List<Double> expectedLosses = losses(reference);

        int trials = Integer.getInteger("mtl4j.kill.trials", 3);
        Random random = new Random(2024);
        int totalKills = 0;
        for (int trial = 0; trial < trials; trial++) {
            Path run = dir.resolve("trial-" + trial);
            int kills = 0;
            boolean finished = false;
            for (int attempt = 0; attempt < 40 && !finished; attempt++) {
                boolean started = hasResumable(run);
                List<String> cli = new ArrayList<>(a);
                cli.addAll(started ? List.of("--resume", run.toString()) : List.of("--output", run.toString()));
                if (!started && Files.isDirectory(run)) {
                    Checkpoints.deleteTree(run); // killed before its first checkpoint: start again
                }
                Path log = dir.resolve("log-" + trial + "-" + attempt + ".txt");
                Process p = start(cli, log);
                if (kills < KILLS_PER_TRIAL) {
                    // Wait until this attempt has trained a step, then kill it a random moment later:
                    // checkpoints are written every step, so many kills land inside a write.
                    long before = stepsLogged(run);
                    while (p.isAlive() && stepsLogged(run) <= before) {
                        Thread.sleep(10);
                    }
                    Thread.sleep(random.nextInt(150));
                }
                if (kills < KILLS_PER_TRIAL && p.isAlive()) {
                    p.destroyForcibly(); // SIGKILL
                    p.waitFor();
                    kills++;
                    if (hasResumable(run)) {
                        Path newest = Checkpoints.newestResumable(run);
                        CheckpointLoader.load(newest, Set.of("heads.")); // the newest complete checkpoint loads
                        assertNoTempCheckpoint(run);
                    }
                } else {
                    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "attempt finished");
                    assertEquals(0, p.exitValue(), Files.readString(log));
                    finished = true;
                }
            }
            assertTrue(finished, "trial " + trial + " finished");
            totalKills += kills;
            List<Double> losses = losses(run);
            assertEquals(expectedLosses.size(), losses.size(), "trial " + trial + " after " + kills + " kills");
            for (int i = 0; i < losses.size(); i++) {
                assertEquals(expectedLosses.get(i), losses.get(i), 1e-6, "trial " + trial + ", loss of step " + (i + 1));
            }
            Map<String, Tensor> want = CheckpointLoader.load(reference.resolve("last"), Set.of("heads.")).model().parameters();
            Map<String, Tensor> got = CheckpointLoader.load(run.resolve("last"), Set.of("heads.")).model().parameters();
            for (String name : want.keySet()) {
                assertArrayEquals(Tensors.toFloatArray(want.get(name)), Tensors.toFloatArray(got.get(name)), 1e-6f, name);
            }
        }
        assertEquals(trials * KILLS_PER_TRIAL, totalKills, "every trial was killed " + KILLS_PER_TRIAL + " times");
    }

    @Test
    void sigtermSavesTheStepItReachedAndSaysSo() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 21);
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 16, 3);
        Path run = dir.resolve("sigterm");
        List<String> cli = new ArrayList<>(List.of("--model", model.toString(), "--data", data.toString(), "--tasks", "sst2",
                "--steps", "100000", "--batch-size", "8", "--eval-every", "0", "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString(), "--output", run.toString()));
        Path log = dir.resolve("sigterm.txt");
        Process p = start(cli, log);
        while (p.isAlive() && stepsLogged(run) < 3) {
            Thread.sleep(10);
        }
        p.destroy(); // SIGTERM, as a scheduler or Ctrl-C would send
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the run exits after saving");
        String out = Files.readString(log);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("stop requested: saving a checkpoint at step (\\d+)").matcher(out);
        assertTrue(m.find(), "the log says which step it saves: " + out);
        long step = Long.parseLong(m.group(1));
        assertEquals(step, Checkpoints.readState(run.resolve("last")).step(), "last/ holds the step the log names");
        assertTrue(out.contains("stopped at step " + step + " of 100000; continue with: mtl4j train --resume " + run), out);
    }

    /** Training steps logged so far in the run's metrics.jsonl (lines may be cut off by a kill). */
    private static long stepsLogged(Path run) {
        try {
            return Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count();
        } catch (Exception e) {
            return 0;
        }
    }

    private static boolean hasResumable(Path run) throws Exception {
        if (!Files.isDirectory(run)) {
            return false;
        }
        try (Stream<Path> s = Files.list(run)) {
            return s.anyMatch(p -> Files.isRegularFile(p.resolve(Checkpoints.STATE)) && !p.getFileName().toString().startsWith(".tmp-"));
        }
    }

    /** Only complete checkpoints carry a checkpoint's name; a temp directory is never resumed from. */
    private static void assertNoTempCheckpoint(Path run) throws Exception {
        Path newest = Checkpoints.newestResumable(run);
        assertTrue(!newest.getFileName().toString().startsWith(".tmp-"), newest.toString());
        for (String file : List.of("config.json", "model.safetensors", "mtl4j.json", Checkpoints.OPTIMIZER, Checkpoints.STATE)) {
            assertTrue(Files.isRegularFile(newest.resolve(file)), newest + " has " + file);
        }
    }

    private static List<Double> losses(Path run) throws Exception {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) {
                out.add(n.get("loss").asDouble());
            }
        }
        return out;
    }
}
