package io.mtl4j.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.hub.Env;
import io.mtl4j.hub.ModelSource;
import io.mtl4j.model.BertConfig;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.train.Checkpoints;
import io.mtl4j.train.SavedConfig;
import io.mtl4j.train.RunLock;
import io.mtl4j.train.TrainSession;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Single-task vs multi-task, run by run: for each seed, the multi-task model, then one
 * single-task baseline per task that gets exactly the number of optimizer steps the sampler gave
 * that task in the multi-task run, with the same hyperparameters. Optionally a PCGrad run and a
 * partially frozen run of the same multi-task config.
 *
 * <p>A comparison takes hours, so nothing of it is lost on a crash or a Ctrl-C: the plan is saved
 * first ({@value #PLAN}), every finished run gets a {@value #DONE} record, and
 * {@link #resume} reuses finished runs, continues the interrupted one from its checkpoint and
 * starts the rest.
 */
public final class Comparison {
    /** The comparison's settings, saved in the output directory before the first run. */
    public static final String PLAN = "compare-plan.json";
    /** Written into a run directory when that run has finished (not when it was stopped). */
    public static final String DONE = "compare-run.json";
    private static final Logger LOG = LogManager.getLogger(Comparison.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> COMMAND = List.of("compare");

    private Comparison() {
    }

    /** One training run of the comparison: its kind ("multi", "single", "pcgrad", "frozen-K"), seed, tasks, dir. */
    public record Run(String kind, long seed, List<String> tasks, Path dir, Map<String, Long> taskSteps) {
    }

    /** What to compare: the shared recipe and the extra runs. */
    public record Plan(TrainConfig base, int seeds, boolean withPcgrad, int frozenLayers) {
    }

    /** The finished runs, or, when a run was stopped (SIGTERM, Ctrl-C), the directory it stopped in. */
    public record Outcome(List<Run> runs, Path stoppedIn) {
        public boolean stopped() {
            return stoppedIn != null;
        }
    }

    /** Starts a comparison in {@code output}, which must not exist or be empty. */
    public static Outcome run(Plan plan, Path output) throws IOException {
        checkBeforeTraining(plan);
        if (Files.exists(output)) {
            try (var s = Files.list(output)) {
                if (s.findAny().isPresent()) {
                    throw new UserError("--output " + output + " is not empty; use compare --resume " + output
                            + " to continue that comparison, or choose a new directory (nothing was overwritten)");
                }
            }
        }
        Files.createDirectories(output);
        try (RunLock lock = RunLock.acquire(output)) {
            savePlan(plan, output);
            return execute(plan, output);
        }
    }

    /** The plan saved by {@link #run} in {@code output}. */
    @SuppressWarnings("unchecked")
    private static Plan savedPlan(Path output) throws IOException {
        Path file = output.resolve(PLAN);
        if (!Files.isRegularFile(file)) {
            throw new UserError(output + ": not a comparison directory (no " + PLAN + ")");
        }
        Map<String, Object> saved;
        try {
            saved = JSON.readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            throw new UserError(file + ": corrupt plan: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (!(saved.get("config") instanceof Map) || !(saved.get("seeds") instanceof Number seeds)
                || !(saved.get("with_pcgrad") instanceof Boolean pcgrad) || !(saved.get("with_frozen") instanceof Number frozen)) {
            throw new UserError(file + ": corrupt plan: expected config, seeds, with_pcgrad and with_frozen");
        }
        TrainConfig base = ConfigLoader.fromSaved((Map<String, Object>) saved.get("config"), file.toString());
        return new Plan(base, seeds.intValue(), pcgrad, frozen.intValue());
    }

    /**
     * Continues the comparison in {@code output} with its saved plan. {@code overrides} (config keys
     * as in {@code mtl4j train}) may change only what does not change the results, such as device or
     * threads.
     */
    public static Outcome resume(Path output, Map<String, Object> overrides) throws IOException {
        if (!Files.isDirectory(output)) {
            throw new UserError(output + ": " + (Files.exists(output) ? "a file, not a comparison directory" : "does not exist"));
        }
        // A second compare --resume of a live comparison would set aside the directory of the run it is training.
        try (RunLock lock = RunLock.acquire(output)) {
            return resumeLocked(output, overrides);
        }
    }

    private static Outcome resumeLocked(Path output, Map<String, Object> overrides) throws IOException {
        Plan saved = savedPlan(output);
        TrainConfig base = ConfigLoader.load(saved.base().toMap(), "saved plan", null, overrides);
        List<String> changed = new ArrayList<>(SavedConfig.nonResumableChanges(saved.base(), base));
        // A run may resume with another patience; a comparison may not: its finished runs stopped by the saved one.
        if (saved.base().patience() != base.patience()) {
            changed.add("patience " + saved.base().patience() + " -> " + base.patience());
        }
        if (!changed.isEmpty()) {
            throw new UserError("cannot resume the comparison in " + output + " with a changed plan: " + String.join("; ", changed));
        }
        Plan plan = new Plan(base, saved.seeds(), saved.withPcgrad(), saved.frozenLayers());
        checkBeforeTraining(plan);
        return execute(plan, output);
    }

    /** Refuses, before the first run, a plan that would fail or give an empty report only after hours of training. */
    private static void checkBeforeTraining(Plan plan) {
        TrainConfig base = plan.base();
        if (base.evalEvery() == 0) {
            throw new UserError("--eval-every 0: a comparison compares dev scores; give --eval-every N (N > 0)");
        }
        if (base.tasks().size() < 2) {
            throw new UserError("--tasks " + String.join(",", base.tasks())
                    + ": a comparison needs at least two tasks (it compares the multi-task model with single-task baselines)");
        }
        // The extra runs are compared with the multi-task run, which the report calls "plain" and "full".
        if (plan.withPcgrad() && base.mtl().equals("pcgrad")) {
            throw new UserError("--with-pcgrad compares plain multi-task training with PCGrad, but the recipe's mtl is"
                    + " pcgrad already; leave out --mtl pcgrad");
        }
        if (plan.frozenLayers() > 0 && (base.freezeLayers() > 0 || base.freezeEmbeddings())) {
            throw new UserError("--with-frozen " + plan.frozenLayers() + " compares a fully trained encoder with a partly"
                    + " frozen one, but the recipe freezes part of the encoder already (freeze-layers " + base.freezeLayers()
                    + ", freeze-embeddings " + base.freezeEmbeddings() + "); leave those out");
        }
        if (plan.frozenLayers() > 0) {
            Path modelDir = ModelSource.resolve(base.model(), base.revision(), Env.system());
            int layers = BertConfig.load(modelDir).numHiddenLayers();
            if (plan.frozenLayers() > layers) {
                throw new UserError("--with-frozen " + plan.frozenLayers() + " exceeds the model's " + layers + " layers");
            }
        }
    }

    private static Outcome execute(Plan plan, Path output) throws IOException {
        TrainConfig base = plan.base();
        String continueWith = "mtl4j compare --resume " + output;
        // Every later run starts from the model and data files the first one recorded: a resume may
        // point --model and --data elsewhere (a moved directory), but not at other contents.
        String startAgain = "start the comparison again in a new --output directory";
        TrainSession.Job job = new TrainSession.Job(continueWith, null, startAgain);
        List<Run> runs = new ArrayList<>();
        for (int k = 0; k < plan.seeds(); k++) {
            long seed = base.seed() + k;
            Path seedDir = output.resolve("seed-" + seed);
            TrainConfig multi = with(base, Map.of("seed", seed));
            Run m = runOrContinue("multi", seed, multi, seedDir.resolve("multi"), job);
            if (m == null) {
                return new Outcome(runs, seedDir.resolve("multi"));
            }
            runs.add(m);
            if (k == 0) {
                job = new TrainSession.Job(continueWith, Checkpoints.newestResumable(m.dir()), startAgain);
            }
            for (String task : base.tasks()) {
                long steps = m.taskSteps().getOrDefault(task, 0L);
                if (steps == 0) {
                    LOG.warn("seed {}: the sampler gave {} no steps; no single-task baseline", seed, task);
                    continue;
                }
                Map<String, Object> single = new LinkedHashMap<>();
                single.put("seed", seed);
                single.put("tasks", task);
                single.put("steps", steps);
                single.put("mtl", "plain");
                single.put("loss-weighting", "equal");
                single.put("eval-every", Math.min(base.evalEvery(), steps));
                Path dir = seedDir.resolve("single-" + task);
                Run s = runOrContinue("single", seed, with(base, single), dir, job);
                if (s == null) {
                    return new Outcome(runs, dir);
                }
                runs.add(s);
            }
            if (plan.withPcgrad()) {
                Path dir = seedDir.resolve("pcgrad");
                Run p = runOrContinue("pcgrad", seed, with(base, pcgradOverrides(base, seed)), dir, job);
                if (p == null) {
                    return new Outcome(runs, dir);
                }
                runs.add(p);
            }
            if (plan.frozenLayers() > 0) {
                String kind = "frozen-" + plan.frozenLayers();
                Path dir = seedDir.resolve(kind);
                TrainConfig frozen = with(base, Map.of("seed", seed, "freeze-layers", plan.frozenLayers()));
                Run f = runOrContinue(kind, seed, frozen, dir, job);
                if (f == null) {
                    return new Outcome(runs, dir);
                }
                runs.add(f);
            }
        }
        Report.write(output, runs, registry(base), base);
        return new Outcome(runs, null);
    }

    /** GLUE's tasks plus those of the plan's --task-file, as the runs themselves see them. */
    private static TaskRegistry registry(TrainConfig base) {
        return base.taskFile() == null ? TaskRegistry.glue() : TaskRegistry.glue().withTasksFrom(Path.of(base.taskFile()));
    }

    /**
     * A PCGrad step takes a batch of every task, so the PCGrad run gets 1/K of the steps (and
     * evaluates 1/K as often): it trains on as many examples as the plain multi-task run.
     */
    static Map<String, Object> pcgradOverrides(TrainConfig base, long seed) {
        int k = base.tasks().size();
        long steps = Math.max(1, Math.round((double) base.steps() / k));
        long evalEvery = base.evalEvery() == 0 ? 0 : Math.min(steps, Math.max(1, base.evalEvery() / k));
        return Map.of("seed", seed, "mtl", "pcgrad", "steps", steps, "eval-every", evalEvery);
    }

    /**
     * The finished run in {@code dir} if it has one, else the run continued from its checkpoint,
     * else a new run; null when the run was stopped (its checkpoint is saved, and the log says to
     * continue with the job's command).
     */
    private static Run runOrContinue(String kind, long seed, TrainConfig config, Path dir, TrainSession.Job job)
            throws IOException {
        Path done = dir.resolve(DONE);
        if (Files.isRegularFile(done)) {
            LOG.info("{} finished earlier; reusing it", dir);
            return readDone(done, dir);
        }
        TrainSession.Outcome o;
        if (hasCheckpoint(dir)) {
            LOG.info("continuing {} from its checkpoint", dir);
            o = TrainSession.runAsPartOfJob(config, null, dir, COMMAND, job);
        } else {
            setAsideIfNotEmpty(dir);
            o = TrainSession.runAsPartOfJob(config, dir, null, COMMAND, job);
        }
        if (o.result().interrupted()) {
            return null;
        }
        Run run = new Run(kind, seed, config.tasks(), dir, o.result().taskSteps());
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("kind", kind);
        record.put("seed", seed);
        record.put("tasks", run.tasks());
        record.put("task_steps", run.taskSteps());
        byte[] bytes = JSON.writeValueAsBytes(record);
        AtomicFiles.write(done, out -> out.write(bytes));
        return run;
    }

    @SuppressWarnings("unchecked")
    private static Run readDone(Path done, Path dir) throws IOException {
        try {
            Map<String, Object> r = JSON.readValue(done.toFile(), Map.class);
            Map<String, Long> steps = new LinkedHashMap<>();
            ((Map<String, Number>) r.get("task_steps")).forEach((t, n) -> steps.put(t, n.longValue()));
            return new Run((String) r.get("kind"), ((Number) r.get("seed")).longValue(), List.copyOf((List<String>) r.get("tasks")),
                    dir, steps);
        } catch (IOException | RuntimeException e) {
            throw new UserError(done + ": corrupt run record (delete it to train that run again): "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }

    private static boolean hasCheckpoint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try {
            Checkpoints.newestResumable(dir);
            return true;
        } catch (UserError e) {
            return false;
        }
    }

    /** A run killed before its first checkpoint left only logs: keep them aside, start it again. */
    private static void setAsideIfNotEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var s = Files.list(dir)) {
            if (s.findAny().isEmpty()) {
                return;
            }
        }
        Path aside = dir.resolveSibling(dir.getFileName() + ".no-checkpoint-" + System.currentTimeMillis());
        LOG.warn("{} has no checkpoint; moved to {} and starting that run again", dir, aside);
        Files.move(dir, aside);
    }

    private static void savePlan(Plan plan, Path output) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("seeds", plan.seeds());
        json.put("with_pcgrad", plan.withPcgrad());
        json.put("with_frozen", plan.frozenLayers());
        // Absolute, as train saves its config: --resume then works from any working directory.
        json.put("config", SavedConfig.withAbsolutePaths(plan.base().toMap()));
        byte[] bytes = JSON.writeValueAsBytes(json);
        AtomicFiles.write(output.resolve(PLAN), out -> out.write(bytes));
    }

    static TrainConfig with(TrainConfig base, Map<String, Object> changes) {
        return ConfigLoader.load(base.toMap(), "compare base", null, changes);
    }
}
