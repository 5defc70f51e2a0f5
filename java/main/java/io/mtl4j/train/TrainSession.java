package io.mtl4j.train;

import io.mtl4j.config.TrainConfig;
import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.CacheDirs;
import io.mtl4j.data.DataSource;
import io.mtl4j.data.DataSources;
import io.mtl4j.data.HubDataSource;
import io.mtl4j.data.MissingSplitError;
import io.mtl4j.data.TaskSampler;
import io.mtl4j.data.TaskSamplers;
import io.mtl4j.dist.Collectives;
import io.mtl4j.dist.DistEnv;
import io.mtl4j.dist.DistSettings;
import io.mtl4j.hub.DownloadProgress;
import io.mtl4j.hub.Env;
import io.mtl4j.hub.ModelSource;
import io.mtl4j.eval.HfClassifierDirectory;
import io.mtl4j.model.BertConfig;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.HeadInput;
import io.mtl4j.model.HeadSpec;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.model.TokenIds;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Sets up a training run (new or resumed) from a config and runs it to the end. */
public final class TrainSession {
    static final String FORMAT_NAME = "mtl4j-checkpoint/";
    /** Raised when a checkpoint holds what an older mtl4j would misread; older ones refuse it (Checkpoints.readMeta). */
    static final int FORMAT_VERSION = 1;
    public static final String FORMAT = FORMAT_NAME + FORMAT_VERSION;
    private static final Logger LOG = LogManager.getLogger(TrainSession.class);

    private TrainSession() {
    }

    /** Outcome of a run: the trainer's result plus the run directory. */
    public record Outcome(Path runDir, Trainer.Result result) {
    }

    /**
     * Starts a new run in {@code output} (which must not exist or be empty), or resumes the run in
     * {@code resume} when it is not null ({@code config} may then be null: the saved one is used).
     */
    public static Outcome run(TrainConfig config, Path output, Path resume, List<String> commandLine) throws IOException {
        return run(config, output, resume, commandLine, step -> { });
    }

    /** Like {@link #run(TrainConfig, Path, Path, List)}, calling {@code stepListener} after every step. */
    public static Outcome run(TrainConfig config, Path output, Path resume, List<String> commandLine,
                              java.util.function.LongConsumer stepListener) throws IOException {
        return run(config, output, resume, commandLine, stepListener, DistEnv.SINGLE, DistSettings.DEFAULT);
    }

    /**
     * A run that is one part of a longer job ({@code mtl4j compare}).
     *
     * @param continueWith the job's own command, which the log names when the run is stopped
     *                     (instead of 'mtl4j train --resume RUN')
     * @param sameInputsAs a checkpoint of the job's first run, or null: this run must start from
     *                     the model files and data files that run recorded, or its results would not
     *                     compare with the job's other runs
     * @param startAgain   what a refusal to resume or start the run offers besides restoring its inputs
     *                     (instead of train's 'start a new run with --model CHECKPOINT', a run outside the job)
     */
    public record Job(String continueWith, Path sameInputsAs, String startAgain) {
        public Job {
            Objects.requireNonNull(continueWith, "continueWith");
            Objects.requireNonNull(startAgain, "startAgain");
        }
    }

    /** Like {@link #run(TrainConfig, Path, Path, List)} for a run that is one part of {@code job}. */
    public static Outcome runAsPartOfJob(TrainConfig config, Path output, Path resume, List<String> commandLine,
                                         Job job) throws IOException {
        return run(config, output, resume, commandLine, step -> { }, DistEnv.SINGLE, DistSettings.DEFAULT,
                Objects.requireNonNull(job, "job"));
    }

    /**
     * Like {@link #run(TrainConfig, Path, Path, List)}, as one rank of the data-parallel job
     * {@code env} (a single process when it has one rank). Rank 0 alone writes the run directory.
     */
    public static Outcome run(TrainConfig config, Path output, Path resume, List<String> commandLine,
                              java.util.function.LongConsumer stepListener, DistEnv env, DistSettings distSettings)
            throws IOException {
        return run(config, output, resume, commandLine, stepListener, env, distSettings, null);
    }

    private static Outcome run(TrainConfig config, Path output, Path resume, List<String> commandLine,
                               java.util.function.LongConsumer stepListener, DistEnv env, DistSettings distSettings,
                               Job job) throws IOException {
        NativeRuntime.ensureLoaded();
        // Rank 0 locks a run it resumes before reading it: another process may be training in it.
        RunLock lock = RunLock.NONE;
        UserError lockRefused = null;
        if (resume != null && env.isMain() && Files.isDirectory(resume)) {
            try {
                lock = RunLock.acquire(resume);
            } catch (UserError e) {
                if (!env.distributed()) {
                    throw e;
                }
                lockRefused = e; // told to every rank after the rendezvous: they would wait for rank 0 until the timeout
            }
        }
        // The run's scope frees its model, optimizer state and data-parallel group when it ends: compare trains
        // run after run in one JVM, and on a GPU the garbage collector would not free them before the next.
        try (PointerScope runScope = new PointerScope(); RunLock resumeLock = lock) {
            Path runDir;
            Path checkpoint = null;
            if (resume != null) {
                runDir = resume;
                checkpoint = Checkpoints.newestResumable(runDir);
                TrainConfig saved = SavedConfig.of(checkpoint);
                config = config == null ? saved : SavedConfig.checkCompatible(saved, config, checkpoint);
            } else {
                runDir = Objects.requireNonNull(output, "output");
            }
            io.mtl4j.runtime.Threads.use(config.threads());
            Device device = env.device(config.device());
            boolean created = resume == null && env.isMain() && !Files.exists(runDir);
            try (Collectives dist = distSettings.join(env, device);
                 RunLock freshLock = RunDirectory.prepare(runDir, resume == null, dist, lockRefused)) {
                try {
                    return run(config, runDir, checkpoint, commandLine, stepListener, device, dist, job);
                } catch (IOException | RuntimeException e) {
                    if (resume == null && dist.isMain()) {
                        RunDirectory.undoFailedStart(runDir, created);
                    }
                    throw e;
                }
            }
        }
    }

    private static Outcome run(TrainConfig config, Path runDir, Path checkpoint, List<String> commandLine,
                               java.util.function.LongConsumer stepListener, Device device, Collectives dist,
                               Job job) throws IOException {
        Path modelDir = ModelSource.resolve(config.model(), config.revision(), Env.system());
        TaskRegistry registry = config.taskFile() == null ? TaskRegistry.glue() : TaskRegistry.glue().withTasksFrom(Path.of(config.taskFile()));
        List<TaskSpec> specs = new ArrayList<>();
        for (String t : config.tasks()) {
            specs.add(registry.get(t));
        }

        String startAgain = checkpoint == null ? null : job != null ? job.startAgain() : "start a new run with --model " + checkpoint;
        if (checkpoint != null) {
            ResumeInputs.checkTokenizer(checkpoint, modelDir, startAgain);
            Map<String, Object> meta = Checkpoints.readMeta(checkpoint);
            SavedTasks.requireSameLabels(checkpoint, meta, specs);
            SavedTasks.requireSameDefinitions(checkpoint, meta, specs, startAgain);
        }
        CheckpointLoader.Loaded pretrained = CheckpointLoader.load(checkpoint != null ? checkpoint : modelDir,
                Set.of(MultiTaskModel.HEADS_PREFIX, MultiTaskModel.LOSS_WEIGHTS_PREFIX, HfClassifierDirectory.CLASSIFIER));
        int maxLength = Math.min(config.maxLength(), pretrained.model().config().maxPositionEmbeddings());
        if (maxLength < config.maxLength() && dist.isMain()) {
            LOG.warn("max-length {} exceeds the model's {} positions: sequences are truncated to {}", config.maxLength(),
                    maxLength, maxLength);
        }
        if (config.maxEvalExamples() > 0 && config.evalEvery() > 0 && dist.isMain()) {
            LOG.warn("max-eval-examples {}: dev scores (metrics.jsonl, eval.json, best checkpoints) come from the first {}"
                    + " rows of each dev split only", config.maxEvalExamples(), config.maxEvalExamples());
        }
        Map<String, String> dataCommits = new LinkedHashMap<>();
        Map<String, TaskData> data = loadData(config, specs, modelDir, maxLength, dataCommits);
        requireEmbeddable(data, pretrained.model().config());
        if (checkpoint != null) {
            ResumeInputs.checkData(checkpoint, data, startAgain);
        }
        if (job != null && job.sameInputsAs() != null) {
            ResumeInputs.checkSameAs(runDir, job.sameInputsAs(), modelDir, data, job.startAgain());
        }

        List<HeadSpec> heads = specs.stream().map(s -> new HeadSpec(s.name(), s.numLabels(), s.isRegression(), s.labelNames())).toList();
        Map<String, Tensor> headTensors = new LinkedHashMap<>(pretrained.extras());
        if (checkpoint == null) {
            headTensors.putAll(HfClassifierDirectory.headsFor(modelDir, pretrained.extras(), specs, HeadInput.parse(config.headInput()),
                    pretrained.model().config().hiddenSize()));
        }
        MultiTaskModel model = MultiTaskModel.create(pretrained.model(), headTensors, heads,
                HeadInput.parse(config.headInput()), new MultiTaskModel.Freezing(config.freezeEmbeddings(), config.freezeLayers()),
                config.lossWeighting().equals("uncertainty"), config.seed(), device);
        long[] sizes = specs.stream().mapToLong(s -> data.get(s.name()).splits().get("train").size()).toArray();
        TaskSampler sampler = sampler(config, sizes);
        if (dist.isMain()) {
            LOG.info(RunSummary.describe(config, config.tasks(), sampler, dist.worldSize()) + "; on " + Devices.where(device));
        }

        Map<String, Object> meta = meta(config, specs, modelDir, data, dataCommits, commandLine);
        meta.put("world_size", dist.worldSize());
        meta.put("effective_batch_size", (long) config.batchSize() * config.gradAccum() * dist.worldSize());
        try (MetricsLog metrics = dist.isMain() ? RunDirectory.openMetrics(runDir, checkpoint) : MetricsLog.discard()) {
            Trainer trainer = new Trainer(config, new Trainer.RunContext(runDir, modelDir,
                    BertTokenizer.tokenizerJson(modelDir), meta, metrics), model, data, sampler, device, dist);
            if (checkpoint != null) {
                trainer.restore(checkpoint);
            }
            trainer.setStepListener(stepListener);
            return new Outcome(runDir, trainSavingOnSignal(trainer, config, runDir, checkpoint != null, dist,
                    job == null ? null : job.continueWith()));
        }
    }

    /**
     * Trains to the end, or until SIGTERM or Ctrl-C: the shutdown hook asks the trainer to save a
     * checkpoint and keeps the JVM alive until it has. A stopped run logs how to continue:
     * {@code continueWith}, or when null, 'mtl4j train --resume RUN'.
     */
    private static Trainer.Result trainSavingOnSignal(Trainer trainer, TrainConfig config, Path runDir, boolean resumed,
                                                      Collectives dist, String continueWith) throws IOException {
        java.util.concurrent.CountDownLatch saved = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            await(saved);
        }, "mtl4j-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Trainer.Result result;
        long started = System.nanoTime();
        try {
            result = trainer.train();
            // Before countDown: on a SIGTERM the hook returns then, and the JVM exits at once.
            if (result.interrupted() && result.steps() == 0) {
                LOG.info("stopped before the first step; nothing was saved: {}",
                        continueWith == null ? "run the same command again to start over" : "continue with: " + continueWith);
            } else if (result.interrupted()) {
                LOG.info("stopped at step {} of {}; continue with: {}", result.steps(), config.steps(),
                        continueWith == null ? "mtl4j train --resume " + runDir : continueWith);
            } else {
                String took = RunSummary.duration(java.time.Duration.ofNanos(System.nanoTime() - started));
                LOG.info("finished at step {} {}: {}", result.steps(),
                        resumed ? "(" + took + " since the resume)" : "in " + took, runDir);
                if (result.skippedSteps() > 0 && dist.isMain()) {
                    LOG.warn("{} of the {} steps were skipped as non-finite (--on-nonfinite skip): the warnings above name"
                            + " their tasks", result.skippedSteps(), result.steps());
                }
                String best = RunSummary.best(result, runDir);
                if (!best.isEmpty() && dist.isMain()) {
                    LOG.info(best);
                }
            }
        } finally {
            saved.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting because of a signal: the hook is running and waits for us.
            }
        }
        return result;
    }

    /** SIGTERM and Ctrl-C run the shutdown hook: it asks the trainer to save, then waits for it. */
    private static void await(java.util.concurrent.CountDownLatch saved) {
        try {
            saved.await(10, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, TaskData> loadData(TrainConfig config, List<TaskSpec> specs, Path modelDir, int maxLength) {
        return loadData(config, specs, modelDir, maxLength, new LinkedHashMap<>());
    }

    /** Refuses, before any step, data whose tokens the model has no embedding for, naming the first such example. */
    static void requireEmbeddable(Map<String, TaskData> data, BertConfig model) {
        data.forEach((task, taskData) -> taskData.splits().forEach((split, examples) -> {
            for (int i = 0; i < examples.size(); i++) {
                int example = i + 1;
                TokenIds.requireEmbeddable(examples.get(i).inputIds(), examples.get(i).tokenTypeIds(), model,
                        () -> "task " + task + ", " + split + " example " + example);
            }
        }));
    }

    /** @param dataCommits filled, for {@code --data hub}, with the commit each split was read at */
    static Map<String, TaskData> loadData(TrainConfig config, List<TaskSpec> specs, Path modelDir, int maxLength,
                                          Map<String, String> dataCommits) {
        Path cacheDir = CacheDirs.tokens(config.cacheDir() == null ? null : Path.of(config.cacheDir()), Env.system());
        // Only --data hub reads data-revision; with a directory the config loader has warned of it.
        String dataRevision = DataSources.HUB.equals(config.data()) ? config.dataRevision() : null;
        // Without --data, every task must be a user task, which reads the files its task file names.
        DataSource source = DataSources.forTasks(config.data(), dataRevision, specs, cacheDir, Env.system(), DownloadProgress.none());
        Map<String, TaskData> data = new LinkedHashMap<>();
        try (BertTokenizer tokenizer = BertTokenizer.load(modelDir, maxLength)) {
            for (TaskSpec spec : specs) {
                List<String> splits = new ArrayList<>(List.of("train"));
                List<String> dev = TaskData.devSplits(spec);
                if (dev.isEmpty() && config.evalEvery() > 0) {
                    // Evaluations would pass over it: the best checkpoint and early stopping would go by the
                    // other tasks alone, or, with none, by a mean of 0 over no task at all.
                    throw new UserError("task " + spec.name() + " has no validation split (its splits: " + spec.splits()
                            + "); dev evaluation needs one (--eval-every 0 trains without)");
                }
                splits.addAll(dev);
                // MNLI's mismatched dev set is optional (subsets may lack it); the first dev split is required.
                List<String> optional = dev.size() > 1 ? dev.subList(1, dev.size()) : List.of();
                if (config.evalEvery() == 0) {
                    optional = dev;
                }
                TaskData loaded;
                try {
                    loaded = TaskData.load(spec, source, splits, optional, tokenizer, cacheDir, BadRowPolicy.parse(config.onBadRow()));
                } catch (MissingSplitError e) {
                    if (dev.contains(e.split())) {
                        throw new UserError(e.getMessage() + " (dev evaluation needs it; --eval-every 0 trains without)", e);
                    }
                    throw e;
                }
                data.put(spec.name(), loaded);
                List<String> devLoaded = dev.stream().filter(loaded.splits()::containsKey).toList();
                LOG.info("{}: {} training examples{}", spec.name(), loaded.splits().get("train").size(),
                        devLoaded.isEmpty() ? "" : ", dev " + devLoaded);
            }
        }
        if (source instanceof HubDataSource hub) {
            dataCommits.putAll(hub.commits());
            LOG.info("data: {} at {}, commit{} {}", io.mtl4j.hub.GlueHub.REPO, dataRevision,
                    hub.commits().values().stream().distinct().count() == 1 ? "" : "s",
                    String.join(", ", new java.util.TreeSet<>(hub.commits().values())));
        }
        return data;
    }

    static TaskSampler sampler(TrainConfig config, long[] sizes) {
        return switch (config.sampler()) {
            case "proportional" -> TaskSamplers.proportional(sizes, config.samplerCap(), config.seed());
            case "temperature" -> TaskSamplers.temperature(sizes, config.temperature(), config.seed());
            case "uniform" -> TaskSamplers.uniform(sizes.length, config.seed());
            case "round-robin" -> TaskSamplers.roundRobin(sizes.length);
            case "annealed" -> TaskSamplers.annealed(sizes, config.steps(), config.seed());
            default -> throw new UserError("unknown sampler " + config.sampler());
        };
    }

    private static Map<String, Object> meta(TrainConfig config, List<TaskSpec> specs, Path modelDir,
                                            Map<String, TaskData> data, Map<String, String> dataCommits,
                                            List<String> commandLine) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        List<Map<String, Object>> tasks = new ArrayList<>();
        for (TaskSpec s : specs) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", s.name());
            t.put("labels", s.labelNames());
            t.put("regression", s.isRegression());
            t.put("main_metric", s.mainMetric().id());
            t.put("text_fields", s.textFields());
            t.put("label_field", s.labelField());
            tasks.add(t);
        }
        meta.put("tasks", tasks);
        meta.put("head_input", config.headInput());
        meta.put("config", SavedConfig.withAbsolutePaths(config.toMap()));
        Map<String, Map<String, String>> hashes = new LinkedHashMap<>();
        data.forEach((t, d) -> hashes.put(t, d.fileHashes()));
        Map<String, Object> provenance = Provenance.collect(config.seed(), modelDir, hashes, commandLine);
        if (!dataCommits.isEmpty()) {
            provenance.put("data_source", Provenance.hubData(config.dataRevision(), dataCommits));
        }
        meta.put("provenance", provenance);
        return meta;
    }
}
