package io.mtl4j.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.cli.CliRunner;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.testing.LogCapture;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {
    @TempDir
    Path dir;
    /** A tiny random BERT of 2 layers. */
    Path model;
    Path data;

    @BeforeEach
    void tinyModelAndData() throws IOException {
        model = dir.resolve("model");
        TinyModels.write(model, 2);
        data = TinyGlue.write(dir.resolve("glue"), 48, 16, 4);
    }

    @Test
    void comparesSingleAndMultiTaskRunsAndWritesTheReport() throws Exception {
        Path out = dir.resolve("compare");
        CliRunner r = CliRunner.run("compare", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp",
                "--steps", "8", "--eval-every", "4", "--batch-size", "8", "--device", "cpu", "--seeds", "2",
                "--with-pcgrad", "--with-frozen", "1", "--cache-dir", dir.resolve("cache").toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        // per seed: multi, two single-task baselines, pcgrad, frozen-1
        assertEquals(10, report.get("runs").size());
        for (JsonNode run : report.get("runs")) {
            if (run.get("kind").asText().equals("single")) {
                String task = run.get("tasks").get(0).asText();
                long seed = run.get("seed").asLong();
                JsonNode multi = null;
                for (JsonNode m : report.get("runs")) {
                    if (m.get("kind").asText().equals("multi") && m.get("seed").asLong() == seed) {
                        multi = m;
                    }
                }
                assertNotNull(multi);
                assertEquals(multi.get("task_steps").get(task).asLong(), run.get("task_steps").get(task).asLong(),
                        "the baseline gets the steps its task got in the multi-task run");
            }
            if (run.get("kind").asText().equals("pcgrad")) {
                // 8 plain steps of one batch each = 4 PCGrad steps of a batch of each of the 2 tasks
                assertEquals(4, run.get("task_steps").get("sst2").asLong(), run.toString());
                assertEquals(4, run.get("task_steps").get("qqp").asLong(), run.toString());
            }
        }
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| single vs multi | sst2 | accuracy |"), md);
        assertTrue(r.out().startsWith("| comparison | task | metric |") && r.out().contains("| plain vs pcgrad | qqp | f1 |"),
                "the table is printed when the comparison ends: " + r.out());
        assertTrue(md.contains("| plain vs pcgrad | qqp | f1 |"), md);
        assertTrue(md.contains("PCGrad runs get 1/2 of the steps"), md);
        assertTrue(md.contains("| full vs frozen-1 |"), md);
        assertTrue(md.contains("± "), "two seeds give a standard deviation: " + md);
        assertTrue(md.contains(", lr 5e-5, "), "rates read as written: " + md);
        assertTrue(md.matches("(?s).*multi-task runs: seed 42 \\{[^}]+\\}; seed 43 \\{[^}]+\\}\\.\n.*"), md);
        // curves.png: x is the batches of the task trained so far
        Comparison.Run pcgrad = new Comparison.Run("pcgrad", 42, List.of("sst2", "qqp"), out.resolve("seed-42/pcgrad"), Map.of());
        assertEquals(List.of(2.0, 4.0), xs(pcgrad, "sst2"), "PCGrad, evaluated at steps 2 and 4, trains sst2 every step");
        Comparison.Run multi = new Comparison.Run("multi", 42, List.of("sst2", "qqp"), out.resolve("seed-42/multi"), Map.of());
        Comparison.Run single = new Comparison.Run("single", 42, List.of("sst2"), out.resolve("seed-42/single-sst2"), Map.of());
        long sst2Steps = multiTaskSteps(report, 42, "sst2");
        assertTrue(sst2Steps > 0 && sst2Steps < 8, "precondition: the sampler gave sst2 some but not all steps: " + sst2Steps);
        assertEquals((double) sst2Steps, xs(multi, "sst2").get(xs(multi, "sst2").size() - 1), "the last evaluation, at step 8");
        assertEquals((double) sst2Steps, xs(single, "sst2").get(xs(single, "sst2").size() - 1),
                "the baseline ends where the multi-task run does");
        BufferedImage png = ImageIO.read(out.resolve("curves.png").toFile());
        assertTrue(png.getWidth() > 500 && png.getHeight() > 200);
    }

    @Test
    void aStoppedComparisonResumesToTheReportOfAnUninterruptedOne() throws Exception {
        String cache = dir.resolve("cache").toString();
        Path full = dir.resolve("full");
        Path stopped = dir.resolve("stopped");
        String[] recipe = {"--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp", "--steps", "8",
                "--eval-every", "4", "--batch-size", "8", "--device", "cpu", "--cache-dir", cache};
        assertEquals(0, compare(recipe, "--output", full.toString()).exitCode());

        CliRunner r = compareStoppingAt(5, recipe, "--output", stopped.toString()); // as if Ctrl-C came after step 5
        assertEquals(130, r.exitCode(), r.err());
        assertFalse(Files.exists(stopped.resolve("report.json")));
        assertFalse(Files.exists(stopped.resolve("seed-42/multi/" + Comparison.DONE)), "a stopped run is not marked finished");

        r = CliRunner.run("compare", "--resume", stopped.toString(), "--device", "cpu", "--cache-dir", cache);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode a = new ObjectMapper().readTree(full.resolve("report.json").toFile()).get("runs");
        JsonNode b = new ObjectMapper().readTree(stopped.resolve("report.json").toFile()).get("runs");
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("dir"), b.get(i).get("dir"));
            assertEquals(a.get(i).get("task_steps"), b.get(i).get("task_steps"));
            assertEquals(a.get(i).get("eval"), b.get(i).get("eval"), "dev scores of " + a.get(i).get("dir"));
        }

        Map<String, FileTime> before = fileTimes(stopped.resolve("seed-42"));
        r = CliRunner.run("compare", "--resume", stopped.toString(), "--device", "cpu", "--cache-dir", cache);
        assertEquals(0, r.exitCode(), r.err());
        Map<String, FileTime> after = fileTimes(stopped.resolve("seed-42"));
        List<String> rewritten = after.keySet().stream().filter(f -> !after.get(f).equals(before.get(f))).toList();
        assertEquals(List.of(), rewritten, "finished runs are reused, not one of their files rewritten");

        r = CliRunner.run("compare", "--resume", stopped.toString(), "--steps", "9", "--cache-dir", cache);
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("changed plan") && r.err().contains("steps 8 -> 9"), r.err());
        r = compare(recipe, "--output", stopped.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--resume"), r.err());
    }

    @Test
    void aResumedComparisonKeepsItsStoppingRule() throws Exception {
        // The runs already finished stopped by the saved patience; the rest must stop by the same rule.
        Path out = dir.resolve("compare");
        String cache = dir.resolve("cache").toString();
        CliRunner r = compareStoppingAt(2, tinyRecipe(cache), "--output", out.toString());
        assertEquals(130, r.exitCode(), r.err());
        r = CliRunner.run("compare", "--resume", out.toString(), "--patience", "1", "--cache-dir", cache);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: cannot resume the comparison in " + out + " with a changed plan: patience 0 -> 1\n",
                r.err().replace("\r\n", "\n"));
    }

    @Test
    void comparesTheTasksOfATaskFile() throws Exception {
        Path taskFile = dir.resolve("tasks.yaml");
        Files.writeString(taskFile, """
                tasks:
                  - name: reviews
                    text_fields: [sentence]
                    labels: [negative, positive]
                    files:
                      train: glue/sst2/train.jsonl
                      validation: glue/sst2/validation.jsonl
                """);
        Path out = dir.resolve("compare");
        CliRunner r = CliRunner.run("compare", "--task-file", taskFile.toString(), "--model", model.toString(),
                "--data", data.toString(), "--tasks", "reviews,qqp", "--steps", "4", "--eval-every", "2", "--batch-size", "8",
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| single vs multi | reviews | accuracy |"), md);
        assertTrue(Files.isRegularFile(out.resolve("curves.png")));
    }

    @Test
    void refusesAComparisonWithoutDevScoresOrWithOneTaskBeforeTraining() throws Exception {
        Path out = dir.resolve("compare");
        String[] recipe = {"--model", model.toString(), "--data", data.toString(), "--steps", "4", "--batch-size", "8",
                "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(), "--output", out.toString()};

        CliRunner r = compare(recipe, "--tasks", "sst2,qqp", "--eval-every", "0");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --eval-every 0: a comparison compares dev scores; give --eval-every N (N > 0)\n",
                r.err().replace("\r\n", "\n"));
        assertFalse(Files.exists(out), "nothing was trained");

        r = compare(recipe, "--tasks", "sst2", "--eval-every", "2");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --tasks sst2: a comparison needs at least two tasks (it compares the multi-task model"
                + " with single-task baselines)\n", r.err().replace("\r\n", "\n"));
        assertFalse(Files.exists(out), "nothing was trained");
    }

    @Test
    void refusesMoreFrozenLayersThanTheModelHasBeforeTraining() throws Exception {
        Path out = dir.resolve("compare");
        CliRunner r = CliRunner.run("compare", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp",
                "--steps", "4", "--eval-every", "2", "--batch-size", "8", "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString(), "--with-frozen", "3", "--output", out.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --with-frozen 3 exceeds the model's 2 layers\n", r.err().replace("\r\n", "\n"));
        assertFalse(Files.exists(out), "nothing was trained");
    }

    @Test
    void refusesExtraRunsThatTheBaseRecipeAlreadyIsBeforeTraining() throws Exception {
        // The report would label a PCGrad multi-task run "plain" and a frozen one "full".
        Path out = dir.resolve("compare");
        String[] recipe = {"--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp", "--steps", "4",
                "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString(),
                "--output", out.toString()};

        CliRunner r = compare(recipe, "--mtl", "pcgrad", "--with-pcgrad");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --with-pcgrad compares plain multi-task training with PCGrad, but the recipe's mtl is"
                + " pcgrad already; leave out --mtl pcgrad\n", r.err().replace("\r\n", "\n"));
        assertFalse(Files.exists(out), "nothing was trained");

        r = compare(recipe, "--freeze-layers", "1", "--with-frozen", "2");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --with-frozen 2 compares a fully trained encoder with a partly frozen one, but the"
                + " recipe freezes part of the encoder already (freeze-layers 1, freeze-embeddings false); leave those out\n",
                r.err().replace("\r\n", "\n"));
        assertFalse(Files.exists(out), "nothing was trained");

        r = compare(recipe, "--freeze-embeddings", "--with-frozen", "1");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("(freeze-layers 0, freeze-embeddings true)"), r.err());
        assertFalse(Files.exists(out), "nothing was trained");
    }

    @Test
    void thePlanSavesAbsolutePathsAndOldPlansWithRelativeOnesStillResume() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        String relativeData = cwd.relativize(data.toAbsolutePath()).toString();
        String relativeModel = cwd.relativize(model.toAbsolutePath()).toString();
        String cache = dir.resolve("cache").toString();
        Path out = dir.resolve("compare");
        String[] recipe = {"--model", relativeModel, "--data", relativeData, "--tasks", "sst2,qqp", "--steps", "4",
                "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--cache-dir", cache};
        CliRunner r = compareStoppingAt(1, recipe, "--output", out.toString());
        assertEquals(130, r.exitCode(), r.err());
        Path planFile = out.resolve(Comparison.PLAN);
        ObjectNode plan = (ObjectNode) new ObjectMapper().readTree(planFile.toFile());
        ObjectNode config = (ObjectNode) plan.get("config");
        assertEquals(data.toAbsolutePath().normalize().toString(), config.get("data").asText(),
                "a resume from another directory finds the data");
        assertEquals(model.toAbsolutePath().normalize().toString(), config.get("model").asText());

        // A plan saved before paths were made absolute still resumes (from the directory it was made in).
        config.put("data", relativeData);
        config.put("model", relativeModel);
        new ObjectMapper().writeValue(planFile.toFile(), plan);
        r = CliRunner.run("compare", "--resume", out.toString(), "--device", "cpu", "--cache-dir", cache);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("report.md")));
    }

    @Test
    void aStoppedComparisonSaysOnlyHowToContinueTheComparison() throws Exception {
        Path out = dir.resolve("compare");
        String[] recipe = {"--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp", "--steps", "4",
                "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString()};
        StringWriter log = new StringWriter();
        CliRunner r;
        try (AutoCloseable capture = LogCapture.into(log)) {
            r = compareStoppingAt(2, recipe, "--output", out.toString());
        }
        assertEquals(130, r.exitCode(), r.err());
        // logged by the stopped run itself: on a SIGTERM the JVM exits before compare could print anything more
        assertTrue(log.toString().contains("stopped at step 2 of 4; continue with: mtl4j compare --resume " + out), log.toString());
        assertFalse(log.toString().contains("mtl4j train --resume"), "compare says how to continue, not train: " + log);
    }

    @Test
    void aResumedComparisonStartsItsLaterRunsOnlyFromTheFilesOfItsFirst() throws Exception {
        // --resume accepts a moved --data or --model (their paths may change), but a baseline trained on
        // other data or from other weights than the multi-task run would not compare with it.
        Path out = dir.resolve("compare");
        String cache = dir.resolve("cache").toString();
        CliRunner r = compare(new String[] {"--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp",
                "--steps", "4", "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--cache-dir", cache},
                "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        deleteTree(out.resolve("seed-42/single-qqp")); // as if stopped before the last baseline began

        Path changedData = TinyGlue.write(dir.resolve("glue-changed"), 48, 16, 4);
        Files.copy(TinyGlue.write(dir.resolve("glue-other"), 48, 16, 5).resolve("qqp/train.jsonl"),
                changedData.resolve("qqp/train.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        r = CliRunner.run("compare", "--resume", out.toString(), "--data", changedData.toString(), "--cache-dir", cache);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: cannot start " + out.resolve("seed-42/single-qqp")
                + ": it would not compare with the job's first run"), r.err());
        assertTrue(r.err().contains("data qqp/train (sha256 "), r.err());
        assertFalse(r.err().contains("qqp/validation"), r.err());

        Path otherModel = dir.resolve("model-other");
        TinyModels.write(otherModel, 3);
        r = CliRunner.run("compare", "--resume", out.toString(), "--model", otherModel.toString(), "--cache-dir", cache);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("model " + otherModel.resolve("model.safetensors")), r.err());

        Path movedData = TinyGlue.write(dir.resolve("glue-moved"), 48, 16, 4);
        r = CliRunner.run("compare", "--resume", out.toString(), "--data", movedData.toString(), "--cache-dir", cache);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("report.json")));
    }

    @Test
    void aStoppedRunOfAComparisonRefusedOnResumeSuggestsNoStandaloneRun() throws Exception {
        // A train run refused on resume may start anew from its checkpoint (--model RUN/last); a comparison's run
        // started that way would not compare with the others.
        Path out = dir.resolve("compare");
        String cache = dir.resolve("cache").toString();
        assertEquals(130, compareStoppingAt(2, tinyRecipe(cache), "--output", out.toString()).exitCode());
        Path changedData = TinyGlue.write(dir.resolve("glue-changed"), 48, 16, 4);
        Files.copy(TinyGlue.write(dir.resolve("glue-other"), 48, 16, 5).resolve("qqp/train.jsonl"),
                changedData.resolve("qqp/train.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRunner r = CliRunner.run("compare", "--resume", out.toString(), "--data", changedData.toString(), "--cache-dir", cache);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("the data changed since the run started: qqp/train"), r.err());
        assertFalse(r.err().contains("--model"), r.err());
        assertTrue(r.err().endsWith("point --data at the original files, or start the comparison again in a new --output"
                + " directory\n"), r.err());
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aLiveComparisonIsNotResumedByASecondProcess() throws Exception {
        // Unlocked, a second compare --resume took a live run without a checkpoint for a dead one and moved
        // its directory aside under the first process's feet.
        Path out = dir.resolve("compare");
        String cache = dir.resolve("cache").toString();
        CliRunner stopped = compareStoppingAt(2, tinyRecipe(cache), "--output", out.toString());
        assertEquals(130, stopped.exitCode(), stopped.err());
        try (io.mtl4j.train.RunLock live = io.mtl4j.train.RunLock.acquire(out)) { // as the first process holds it
            CliRunner r = CliRunner.run("compare", "--resume", out.toString(), "--cache-dir", cache);
            assertEquals(2, r.exitCode(), r.err());
            assertTrue(r.err().startsWith("mtl4j: error: " + out + ": another mtl4j run is training in this directory"),
                    r.err());
        }
        CliRunner r = CliRunner.run("compare", "--resume", dir.resolve("nope").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: " + dir.resolve("nope") + ": does not exist\n", r.err().replace("\r\n", "\n"));
        r = CliRunner.run("compare", "--resume", out.toString(), "--cache-dir", cache);
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void theHelpDescribesTheReportAsWritten() {
        CliRunner r = CliRunner.run("compare", "--help");
        assertEquals(0, r.exitCode(), r.err());
        String help = String.join(" ", r.out().strip().split("\\s+"));
        String header = Report.markdown(List.of(), List.of(), ConfigLoader.load(null, Map.of("model", "m", "data", "d",
                "tasks", "sst2,qqp"))).lines().filter(l -> l.startsWith("| comparison")).findFirst().orElseThrow();
        assertTrue(help.contains(header.substring(2, header.length() - 2)), "the table's columns " + header + ": " + help);
        assertTrue(help.contains("against the batches of that task trained"), "curves.png's x axis: " + help);
    }

    /** With --max-eval-examples the scores are of a dev subset; the report says so, as train's log does. */
    @Test
    void theReportSaysWhenScoresComeFromPartOfTheDevSplits() {
        String partial = Report.markdown(List.of(), List.of(), ConfigLoader.load(null, Map.of("model", "m", "data", "d",
                "tasks", "sst2,qqp", "max-eval-examples", 40)));
        assertTrue(partial.contains("first 40 rows of each dev split"), partial);
        String whole = Report.markdown(List.of(), List.of(), ConfigLoader.load(null, Map.of("model", "m", "data", "d",
                "tasks", "sst2,qqp")));
        assertTrue(!whole.contains("max-eval-examples"), whole);
    }

    private static Map<String, FileTime> fileTimes(Path root) throws IOException {
        Map<String, FileTime> times = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                times.put(root.relativize(f).toString(), Files.getLastModifiedTime(f));
            }
        }
        return times;
    }

    /** The tiny recipe most tests compare: sst2 and qqp, 4 steps, evaluated every 2. */
    private String[] tinyRecipe(String cache) {
        return new String[] {"--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp", "--steps", "4",
                "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--cache-dir", cache};
    }

    /** Runs compare as {@link #compare}, stopping (as on SIGTERM) when a run has done {@code step} steps. */
    private static CliRunner compareStoppingAt(long step, String[] recipe, String... more) {
        System.setProperty("mtl4j.test.stop-at-step", String.valueOf(step));
        try {
            return compare(recipe, more);
        } finally {
            System.clearProperty("mtl4j.test.stop-at-step");
        }
    }

    private static CliRunner compare(String[] recipe, String... more) {
        String[] args = new String[1 + recipe.length + more.length];
        args[0] = "compare";
        System.arraycopy(recipe, 0, args, 1, recipe.length);
        System.arraycopy(more, 0, args, 1 + recipe.length, more.length);
        return CliRunner.run(args);
    }

    private static List<Double> xs(Comparison.Run run, String task) {
        return Report.curve(run, io.mtl4j.tasks.TaskRegistry.glue().get(task), 1).stream().map(p -> p[0]).toList();
    }

    private static long multiTaskSteps(JsonNode report, long seed, String task) {
        for (JsonNode run : report.get("runs")) {
            if (run.get("kind").asText().equals("multi") && run.get("seed").asLong() == seed) {
                return run.get("task_steps").get(task).asLong();
            }
        }
        throw new AssertionError("no multi-task run of seed " + seed);
    }
}
