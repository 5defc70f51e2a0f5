package io.mtl4j.train;

import io.mtl4j.cli.ProgressBar;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.data.Batch;
import io.mtl4j.data.Batcher;
import io.mtl4j.data.BatchingConfig;
import io.mtl4j.data.TaskSampler;
import io.mtl4j.dist.Collectives;
import io.mtl4j.model.InputBatch;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.nativelib.Pcgrad;
import io.mtl4j.optim.FlatAdamW;
import io.mtl4j.optim.LrSchedule;
import io.mtl4j.runtime.FiniteCheck;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * The multi-task training loop: step-based, one optimizer update per step.
 *
 * <p>Plain mode: the task sampler picks one task per step; the step accumulates
 * {@code grad-accum} micro-batches of that task. PCGrad mode: every step draws
 * {@code grad-accum} micro-batches of every task, captures each task's gradient of the shared
 * encoder, and combines them with PCGrad; each head keeps its own task's gradient.
 *
 * <p>Losses are summed over examples and divided by the number of examples in the whole
 * accumulated step, so N micro-batches of size b give the gradient of one batch of N·b.
 *
 * <p>Data parallel ({@link Collectives} over W ranks): every rank draws the same task sequence
 * and the same W·N micro-batches per task and step, and trains on every W-th of them (its
 * shard), with losses divided by the global example count; summing the gradients across ranks
 * then gives exactly the single-process gradient of all W·N micro-batches. With PCGrad each
 * task's gradient is summed across ranks before the projection, which every rank then runs
 * identically. Rank 0 alone evaluates and writes checkpoints, metrics and the progress bar.
 */
public final class Trainer {
    private static final Logger LOG = LogManager.getLogger(Trainer.class);

    private final TrainConfig config;
    private final RunContext run;
    private final MultiTaskModel model;
    private final Map<String, TaskData> data;
    private final Map<String, TaskStream> streams;
    private final TaskSampler sampler;
    private final FlatAdamW sharedOptimizer;
    private final HeadOptimizers headsOptimizer;
    private final LrSchedule schedule;
    private final Device device;
    private final List<String> tasks;
    private final Map<String, Double> runningLoss = new LinkedHashMap<>();
    private final RunningRate runningRate = new RunningRate(0.95);
    private volatile boolean stopRequested;
    private java.util.function.LongConsumer stepListener = step -> { };
    private final boolean bf16;

    private long step;
    private Map<String, Long> taskSteps = new LinkedHashMap<>();
    private final BestTracker best = new BestTracker();
    private final NonFiniteGuard guard;
    private StepTimer timer = StepTimer.NONE;
    private final Collectives dist;
    private boolean memoryWarmedUp;
    /** Steps whose data the prefetch thread may assemble ahead of the training thread. */
    private static final int PREFETCH_DEPTH = 2;
    private io.mtl4j.data.Prefetcher<StepPlanner.StepPlan> plans;
    /** The sampler and stream state after the last step taken (the prefetcher runs ahead of it). */
    private TaskSampler.State consumedSampler;
    private Map<String, TaskStream.Cursor> consumedCursors;
    /** Decided at the evaluation just done: the run stops early there (saved in its checkpoint). */
    private boolean stoppingEarly;
    /** The checkpoint this run resumed from is where it had stopped early. */
    private boolean resumedAfterEarlyStop;
    /** The step {@code last} holds when this run resumed (-1 if none): a run resumed at its end saves nothing again. */
    private long savedWhenResumed = -1;

    /**
     * What the trainer needs beyond the config: where to write, the model files, the data.
     * {@code tokenizerJson} is what every checkpoint carries: the model's tokenizer.json, or the one
     * built from its vocab.txt (null for none).
     */
    public record RunContext(Path runDir, Path modelDir, byte[] tokenizerJson, Map<String, Object> meta,
                             MetricsLog metrics) {
    }

    public Trainer(TrainConfig config, RunContext run, MultiTaskModel model, Map<String, TaskData> data,
                   TaskSampler sampler, Device device) {
        this(config, run, model, data, sampler, device, Collectives.single());
    }

    public Trainer(TrainConfig config, RunContext run, MultiTaskModel model, Map<String, TaskData> data,
                   TaskSampler sampler, Device device, Collectives dist) {
        this.config = config;
        this.dist = dist;
        this.run = run;
        this.model = model;
        this.data = data;
        this.sampler = sampler;
        this.device = device;
        this.tasks = List.copyOf(config.tasks());
        this.bf16 = io.mtl4j.runtime.Autocast.bf16(config.precision(), device);
        this.schedule = new LrSchedule(config.schedule(), config.warmupSteps(), config.steps());
        this.sharedOptimizer = TrainingOptimizers.encoder(model, config);
        this.headsOptimizer = TrainingOptimizers.heads(model, config, tasks);
        this.guard = new NonFiniteGuard(model, config.onNonfinite(), config.maxBadSteps(), run.runDir().resolve("last"));
        if (config.mtl().equals("pcgrad") && model.shared().numel() == 0) {
            LOG.warn("--mtl pcgrad with the whole encoder frozen: the tasks share no trained parameter, so there is"
                    + " nothing to project and each head trains on its own task's gradient, as without PCGrad");
        }
        this.streams = new LinkedHashMap<>();
        BatchingConfig batching = switch (config.padding()) {
            case "bucketed" -> BatchingConfig.bucketed(config.batchSize());
            case "dynamic" -> BatchingConfig.dynamic(config.batchSize());
            // Tokenization already truncated to the model's positions; pad no further than that.
            default -> BatchingConfig.fixed(config.batchSize(), Math.min(config.maxLength(), model.config().maxPositionEmbeddings()));
        };
        if (config.maxTokens() > 0) {
            batching = batching.withMaxTokens(config.maxTokens());
        }
        Batcher batcher = new Batcher(batching);
        for (int i = 0; i < tasks.size(); i++) {
            String task = tasks.get(i);
            streams.put(task, new TaskStream(data.get(task).splits().get("train"), batcher, dataOrderSeed(config.seed(), i)));
            taskSteps.put(task, 0L);
        }
        consumedSampler = sampler.state();
        consumedCursors = currentCursors();
    }

    /**
     * Task i's data-order seed: seed·31 + i, except where that is the task sampler's own seed (seed
     * 0, task 0), since two SplitMix64 generators from one state would draw the same numbers and tie
     * the task choice to the data order. (The formula is kept for every other seed so that earlier
     * runs reproduce.)
     */
    static long dataOrderSeed(long seed, int task) {
        long s = seed * 31 + task;
        return s == seed ? new io.mtl4j.data.Rng(seed).nextLong() : s;
    }

    private Tensor toDevice(Tensor t) {
        return device.is_cpu() ? t : t.to(device, torch.ScalarType.Float);
    }

    /** Restores everything a checkpoint saved, so the run continues as if never interrupted. */
    public void restore(Path checkpoint) {
        Resumption.Resumed resumed = new Resumption(config, run.runDir(), dist, sharedOptimizer, headsOptimizer,
                sampler, streams, guard, best).restore(checkpoint, plans != null);
        step = resumed.step();
        consumedSampler = sampler.state();
        consumedCursors = currentCursors();
        taskSteps = resumed.taskSteps();
        resumedAfterEarlyStop = resumed.afterEarlyStop();
        savedWhenResumed = resumed.savedWhenResumed();
    }

    /** Called after every completed step with the step count (e.g. to sample memory during a soak). */
    /** Whether the forward passes run under bf16 autocast (--precision, and the device's support for it). */
    public boolean autocastsBf16() {
        return bf16;
    }

    public void setStepListener(java.util.function.LongConsumer listener) {
        this.stepListener = listener;
    }

    public void requestStop() {
        stopRequested = true;
    }

    /**
     * The outcome: steps done, how many steps trained each task, whether it stopped early, and the
     * best checkpoint's dev scores and step ({@code bestStep} -1 when no evaluation ran).
     */
    public record Result(long steps, Map<String, Long> taskSteps, boolean interrupted, boolean earlyStopped,
                         Map<String, Map<String, Double>> bestMetrics, long bestStep, long skippedSteps) {
    }

    public Result train() throws IOException {
        try {
            return trainLoop();
        } finally {
            closePrefetcher();
        }
    }

    /** Releases what {@link #trainOneStep()} started (the prefetch thread); {@link #train()} does it itself. */
    public void close() {
        closePrefetcher();
    }

    private Result trainLoop() throws IOException {
        if (resumedAfterEarlyStop) {
            if (best.patienceExhausted(config.patience())) {
                // Like a finished run: nothing to train, and nothing on disk changes.
                LOG.info("the run stopped early at step {} (no gain in {} evaluations, --patience {}): nothing to"
                        + " train; resuming with a larger --patience trains it further", step,
                        best.evalsWithoutGain(), config.patience());
                return result(false, true);
            }
            LOG.info("the run stopped early at step {} (no gain in {} evaluations); with --patience {} it trains on",
                    step, best.evalsWithoutGain(), config.patience() > 0 ? config.patience() : "0 (off)");
        } else if (step > 0 && step < config.steps() && best.patienceExhausted(config.patience())) {
            // A patience lowered on resume: the evaluations it waits for are already past.
            LOG.info("no gain in {} evaluation{} by step {}: --patience {} has run out, so the run stops early here"
                    + " (nothing on disk changes; resuming with a larger --patience trains it further)",
                    best.evalsWithoutGain(), best.evalsWithoutGain() == 1 ? "" : "s", step, config.patience());
            return result(false, true);
        }
        warmUpMemory();
        boolean earlyStopped = false;
        long savedAt = savedWhenResumed;
        try (ProgressBar bar = dist.isMain() ? new ProgressBar("train", config.steps()) : ProgressBar.silent("train", config.steps())) {
            bar.resumeAt(step);
            while (step < config.steps() && !earlyStopped) {
                if (step == Long.getLong("mtl4j.test.stop-at-step", -1)) {
                    requestStop(); // test hook: behave as if SIGTERM arrived here
                }
                // Every rank must stop at the same step, or the others would wait in a collective.
                boolean stop = dist.worldSize() > 1 ? dist.anyTrue(stopRequested, "the stop flag before step " + (step + 1))
                        : stopRequested;
                if (stop) {
                    if (step == 0) {
                        LOG.warn("stop requested before the first step: nothing to save");
                        return result(true, false);
                    }
                    // Right after a checkpoint, last already holds this step: a second copy would cost the time
                    // a SIGTERM leaves, and the disk space last shares with step-N.
                    boolean save = dist.isMain() && savedAt != step;
                    LOG.warn("stop requested: {} at step {}", save ? "saving a checkpoint" : "stopping", step);
                    if (save) {
                        try (PointerScope scope = new PointerScope()) {
                            saveResumable("last");
                        }
                    }
                    return result(true, false);
                }
                // One scope per step: every native object the step creates is freed when it ends.
                try (PointerScope stepScope = new PointerScope()) {
                    long started = System.nanoTime();
                    StepOutcome outcome = config.mtl().equals("pcgrad") ? pcgradStep() : plainStep();
                    if (outcome != null) { // null: a skipped non-finite step, already counted
                        step++;
                        double seconds = (System.nanoTime() - started) / 1e9;
                        logStep(outcome, config.lr() * schedule.factor(step - 1), seconds, bar);
                        stepListener.accept(step);
                    }
                    bar.step(1);
                    // A skipped step that lands on an evaluation still evaluates: the weights there are real.
                    boolean last = step == config.steps();
                    if (config.evalEvery() > 0 && (step % config.evalEvery() == 0 || last)) {
                        earlyStopped = dist.isMain() && evaluateAndSave(last); // at the last step it just ends
                        if (dist.worldSize() > 1) {
                            earlyStopped = dist.anyTrue(earlyStopped, "the early-stopping decision at step " + step);
                        }
                        savedAt = step;
                    } else if (config.saveEvery() > 0 && step % config.saveEvery() == 0) {
                        if (dist.isMain()) {
                            saveStep();
                        }
                        savedAt = step;
                    }
                }
            }
        }
        if (earlyStopped) {
            LOG.info("early stopping at step {}: no gain in {} evaluations", step, best.evalsWithoutGain());
        }
        if (savedAt != step && dist.isMain()) {
            try (PointerScope scope = new PointerScope()) {
                saveStep();
            }
        } else if (savedAt == savedWhenResumed && dist.isMain()) {
            // Resumed at its end: the run may have died before rotating, or --keep-last may be smaller now.
            Checkpoints.rotate(run.runDir(), config.keepLast());
        }
        dumpParametersForTests();
        return result(false, earlyStopped);
    }

    private Result result(boolean interrupted, boolean earlyStopped) {
        return new Result(step, Collections.unmodifiableMap(new LinkedHashMap<>(taskSteps)), interrupted, earlyStopped, best.bestMetrics(), best.bestStep(), guard.skippedSteps());
    }

    /** What one optimizer step did, for logging. */
    private record StepOutcome(Map<String, Double> losses, long examples) {
    }

    private StepOutcome plainStep() throws IOException {
        long t = System.nanoTime();
        StepPlanner.TaskShard shard = nextPlan().shards().get(0);
        String task = shard.task();
        t = lap(StepTimer.Phase.DATA, t);
        model.shared().zeroGrad();
        model.heads().zeroGrad();
        lap(StepTimer.Phase.OPTIMIZER, t);
        seedDropout();
        double loss = backward(task, shard.mine(), shard.examples());
        t = System.nanoTime();
        loss = sumAcrossRanks(loss, model.shared().grads(), "gradients of task " + task);
        sumAcrossRanks(model.heads().grads(), "head gradients");
        lap(StepTimer.Phase.COMMUNICATION, t);
        t = System.nanoTime();
        boolean finite = finite(loss, task, true);
        lap(StepTimer.Phase.OPTIMIZER, t);
        if (!finite) {
            return null;
        }
        taskSteps.merge(task, 1L, Long::sum);
        applyUpdate(guard.checkedSquares(), List.of(task)); // the gradients are the ones just checked
        return new StepOutcome(Map.of(task, loss), shard.examples());
    }

    /**
     * The next step's data, assembled ahead of time on the prefetch thread; from then on the data
     * state a checkpoint stores is the one after this step.
     */
    private StepPlanner.StepPlan nextPlan() {
        if (plans == null) {
            StepPlanner planner = new StepPlanner(tasks, sampler, streams, config.mtl().equals("pcgrad"),
                    config.gradAccum(), dist.rank(), dist.worldSize());
            plans = new io.mtl4j.data.Prefetcher<>("mtl4j-prefetch", PREFETCH_DEPTH, planner::next);
        }
        StepPlanner.StepPlan plan = plans.next();
        consumedSampler = plan.samplerAfter();
        consumedCursors = plan.cursorsAfter();
        return plan;
    }

    /** Stops the prefetch thread (the trainer can no longer train). */
    private void closePrefetcher() {
        if (plans != null) {
            plans.close();
        }
    }

    /**
     * Before the first step, one forward and backward (no update) of a batch of every padded length
     * each task can produce, so that memory does not creep up as rarer lengths turn up and a batch
     * too big for memory fails now (see {@link MemoryWarmUp}); training is unchanged.
     * {@code memory-warmup: false} skips it. Runs once; public so that a benchmark can run it before
     * it starts timing steps.
     */
    public void warmUpMemory() {
        if (memoryWarmedUp || !config.memoryWarmup()) {
            return;
        }
        memoryWarmedUp = true;
        StepTimer stepTimer = timer;
        timer = StepTimer.NONE; // not a step: keep it out of bench figures
        try {
            MemoryWarmUp.run(tasks, streams, model, dist.isMain(), () -> stopRequested,
                    (task, batch) -> backward(task, List.of(batch), batch.batchSize()));
        } finally {
            timer = stepTimer;
        }
    }

    /** Dropout masks differ across ranks (they see different examples); rank 0 matches a single process. */
    private void seedDropout() {
        torch.manual_seed(config.seed() * 1_000_003L + step + 7_777_777L * dist.rank());
    }

    /** Sums a gradient buffer and this rank's share of the loss across ranks; returns the global loss. */
    private double sumAcrossRanks(double loss, Tensor grads, String what) {
        if (dist.worldSize() == 1) {
            return loss;
        }
        String at = what + " at step " + (step + 1);
        dist.allReduceSum(grads, at);
        return dist.allReduceSum(new double[]{loss}, "the loss of " + at)[0];
    }

    private void sumAcrossRanks(Tensor grads, String what) {
        if (dist.worldSize() > 1) {
            dist.allReduceSum(grads, what + " at step " + (step + 1));
        }
    }

    private StepOutcome pcgradStep() throws IOException {
        List<Tensor> taskGrads = new ArrayList<>();
        Map<String, Double> losses = new LinkedHashMap<>();
        long examples = 0;
        long d = System.nanoTime();
        StepPlanner.StepPlan plan = nextPlan();
        lap(StepTimer.Phase.DATA, d);
        model.heads().zeroGrad();
        seedDropout();
        for (StepPlanner.TaskShard shard : plan.shards()) {
            String task = shard.task();
            model.shared().zeroGrad();
            double loss = backward(task, shard.mine(), shard.examples());
            long c = System.nanoTime();
            // Each task's gradient is summed across ranks before the projection.
            loss = sumAcrossRanks(loss, model.shared().grads(), "gradients of task " + task);
            lap(StepTimer.Phase.COMMUNICATION, c);
            // One step is one good or bad step, however many tasks it has: a healthy task must not
            // reset the bad steps in a row while a task after it fails on every step.
            if (!finite(loss, task, false)) {
                return null;
            }
            losses.put(task, loss);
            examples += shard.examples();
            long copy = System.nanoTime();
            taskGrads.add(model.shared().grads().clone()); // PCGrad's own cost: plain steps keep no per-task copy
            lap(StepTimer.Phase.PCGRAD, copy);
        }
        guard.stepPassed();
        losses.keySet().forEach(task -> taskSteps.merge(task, 1L, Long::sum)); // only once every task was finite
        long t = System.nanoTime();
        sumAcrossRanks(model.heads().grads(), "head gradients");
        t = lap(StepTimer.Phase.COMMUNICATION, t);
        int[][] orders = Pcgrad.shuffledOrders(tasks.size(), new Random(config.seed() * 7_919L + step));
        Pcgrad.Reduction reduction = config.pcgradReduction().equals("mean") ? Pcgrad.Reduction.MEAN : Pcgrad.Reduction.SUM;
        if (model.shared().numel() > 0) { // a fully frozen encoder shares nothing to project
            try (NoGradGuard ignored = new NoGradGuard()) {
                Pcgrad.apply(taskGrads, orders, reduction, model.shared().grads());
            }
        }
        lap(StepTimer.Phase.PCGRAD, t);
        applyUpdate(null, losses.keySet()); // the projection changed the gradients
        return new StepOutcome(losses, examples);
    }

    /**
     * Forward and backward over the micro-batches of one task; returns the mean per-example loss.
     * Gradients accumulate in the flat buffers.
     */
    private double backward(String task, List<Batch> micro, long totalExamples) {
        double lossSum = 0;
        Tensor logVar = model.logVar(task);
        double fixedWeight = config.lossWeighting().equals("fixed") ? config.taskWeights().get(task) : 1.0;
        boolean regression = model.spec(task).regression();
        for (Batch batch : micro) {
            try (PointerScope scope = new PointerScope()) {
                long t = System.nanoTime();
                InputBatch input = InputBatch.of(batch, device);
                timer.batch(batch);
                t = lap(StepTimer.Phase.DATA, t);
                Tensor output;
                try (io.mtl4j.runtime.Autocast ignored = io.mtl4j.runtime.Autocast.enter(bf16, device)) {
                    output = model.forward(task, input, config.dropout());
                }
                output = output.to(torch.ScalarType.Float);
                Tensor summed = regression
                        ? torch.mse_loss(output.view(-1), toDevice(io.mtl4j.runtime.Tensors.floatTensor(batch.scores(), batch.batchSize())), 2)
                        : torch.cross_entropy_loss(output, labels(batch), new TensorOptional(), 2, -100, 0.0);
                lossSum += summed.item_double();
                if (poisoned(task)) {
                    summed = summed.mul(new Scalar(Double.NaN));
                    lossSum = Double.NaN;
                }
                Tensor objective = summed.div(new Scalar((double) totalExamples));
                if (logVar != null) {
                    objective = UncertaintyWeighting.objective(objective, logVar, regression,
                            (double) batch.batchSize() / totalExamples);
                } else if (fixedWeight != 1.0) {
                    objective = objective.mul(new Scalar(fixedWeight));
                }
                t = lap(StepTimer.Phase.FORWARD, t);
                objective.backward();
                lap(StepTimer.Phase.BACKWARD, t);
            }
        }
        return lossSum / totalExamples;
    }

    private Tensor labels(Batch batch) {
        return device.is_cpu() ? io.mtl4j.runtime.Tensors.longTensor(batch.labels(), batch.batchSize())
                : io.mtl4j.runtime.Tensors.longTensor(batch.labels(), batch.batchSize()).to(device, torch.ScalarType.Long);
    }

    /**
     * Test hook: {@code -Dmtl4j.test.poison-step=S} (or {@code S:TASK}) makes step S+1's loss (of TASK) NaN;
     * {@code S+} (or {@code S+:TASK}) does so for step S+1 and every step after it.
     */
    private boolean poisoned(String task) {
        String poison = System.getProperty("mtl4j.test.poison-step");
        if (poison == null) {
            return false;
        }
        String[] stepAndTask = poison.split(":", 2);
        boolean fromOn = stepAndTask[0].endsWith("+");
        long poisonStep = Long.parseLong(fromOn ? stepAndTask[0].substring(0, stepAndTask[0].length() - 1) : stepAndTask[0]);
        return (fromOn ? step >= poisonStep : step == poisonStep) && (stepAndTask.length == 1 || stepAndTask[1].equals(task));
    }

    /**
     * Checks the loss and gradients (see {@link NonFiniteGuard}). Returns true to go on, false to skip the step.
     *
     * @param wholeStep true when this is the step's only check (a finite result then ends a run of
     *                  bad steps); false for one task of several, after which the caller calls
     *                  {@link NonFiniteGuard#stepPassed()} once all passed
     */
    private boolean finite(double loss, String task, boolean wholeStep) throws IOException {
        boolean ok = wholeStep ? guard.accept(loss, task, step + 1, this::saveLastGoodState)
                : guard.check(loss, task, step + 1, this::saveLastGoodState);
        if (ok) {
            return true;
        }
        step++; // the skipped step still counts, so the schedule and the data move on
        return false;
    }

    /** The weights from before the bad step; the data position is past its batch, so a resume does not replay it. */
    private void saveLastGoodState() throws IOException {
        if (dist.isMain()) {
            saveResumable("last");
        }
    }

    /**
     * Clips, then steps the optimizers.
     *
     * @param squares the gradients' sums of squares (encoder, heads) if they have not changed since
     *                {@link #finite} computed them, else null
     * @param trained the tasks this step trained: only their heads are updated
     */
    private void applyUpdate(double[] squares, java.util.Collection<String> trained) {
        long t = System.nanoTime();
        try (PointerScope scope = new PointerScope(); NoGradGuard ignored = new NoGradGuard()) {
            if (config.maxGradNorm() > 0) {
                Tensor gs = model.shared().grads();
                Tensor gh = model.heads().grads();
                double norm = Math.sqrt(squares != null ? squares[0] + squares[1]
                        : FiniteCheck.sumOfSquares(gs) + FiniteCheck.sumOfSquares(gh));
                double coef = config.maxGradNorm() / (norm + 1e-6);
                if (coef < 1) {
                    gs.mul_(new Scalar(coef));
                    gh.mul_(new Scalar(coef));
                }
            }
            double factor = schedule.factor(step);
            sharedOptimizer.step(config.lr() * factor);
            headsOptimizer.step(trained, config.headLr() * factor);
        }
        model.shared().checkAliasing();
        lap(StepTimer.Phase.OPTIMIZER, t);
    }

    // ---- Timing hooks for benchmarks (StepTimer); no effect on what is computed. ----

    /** Reports phase timings to {@code timer} ({@link StepTimer#NONE} to stop). */
    public void setStepTimer(StepTimer timer) {
        this.timer = timer == null ? StepTimer.NONE : timer;
    }

    /**
     * Runs one optimizer step outside {@link #train()}, for benchmarks: no metrics line, no
     * evaluation, no checkpoint. Returns the examples it trained on (0 for a skipped step).
     */
    public long trainOneStep() throws IOException {
        warmUpMemory();
        StepOutcome outcome;
        try (PointerScope stepScope = new PointerScope()) { // as in train(): one scope per step
            outcome = config.mtl().equals("pcgrad") ? pcgradStep() : plainStep();
        }
        if (outcome == null) {
            return 0;
        }
        step++;
        return outcome.examples;
    }

    private long lap(StepTimer.Phase phase, long since) {
        long now = System.nanoTime();
        timer.record(phase, now - since);
        return now;
    }

    private void logStep(StepOutcome outcome, double lr, double seconds, ProgressBar bar) throws IOException {
        double samplesPerSecond = outcome.examples / seconds;
        runningRate.add(outcome.examples, seconds);
        for (Map.Entry<String, Double> e : outcome.losses.entrySet()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", step);
            line.put("task", e.getKey());
            line.put("loss", e.getValue());
            line.put("lr", lr);
            line.put("samples_per_s", samplesPerSecond);
            uncertaintyWeight(e.getKey()).ifPresent(w -> line.put("loss_weight", w));
            if (dist.isMain()) {
                run.metrics().write(line);
            }
            runningLoss.merge(e.getKey(), e.getValue(), (old, now) -> 0.95 * old + 0.05 * now);
        }
        StringBuilder sb = new StringBuilder("loss");
        runningLoss.forEach((t, l) -> sb.append(String.format(Locale.ROOT, " %s %.3f", t, l)));
        sb.append(String.format(Locale.ROOT, " | lr %.2e | %.1f samples/s", lr, runningRate.perSecond()));
        bar.setSuffix(sb.toString());
        if (step % config.logEvery() == 0) {
            LOG.debug("step {}: {}", step, sb);
        }
    }

    /** The factor uncertainty weighting puts on the task's loss now: exp(-s), halved for regression. */
    private OptionalDouble uncertaintyWeight(String task) {
        try (PointerScope ignored = new PointerScope()) {
            Tensor logVar = model.logVar(task);
            if (logVar == null) {
                return OptionalDouble.empty();
            }
            return OptionalDouble.of(UncertaintyWeighting.weight(logVar.item_double(), model.spec(task).regression()));
        }
    }

    /**
     * Evaluates every task on its dev splits, saves checkpoints; returns true to stop early (never at
     * the {@code last} step: the run ends there anyway). The checkpoint records the decision.
     */
    private boolean evaluateAndSave(boolean last) throws IOException {
        DevEvaluation eval = DevEvaluation.run(model, tasks, data, step, config.maxEvalExamples(),
                config.evalBatchSize(), device, run.metrics());
        BestTracker.Update update = best.record(step, eval.byKey(), eval.mainScores());
        stoppingEarly = !last && best.patienceExhausted(config.patience());
        Path saved = saveStep();
        if (update.improved()) {
            Checkpoints.link(run.runDir(), saved, "best");
            EvalJson.write(run.runDir(), best);
        }
        for (String task : update.improvedTasks()) {
            Checkpoints.link(run.runDir(), saved, "best-" + task);
        }
        return stoppingEarly;
    }

    /** Saves {@code step-N}, links it as {@code last}, and drops old step checkpoints. */
    private Path saveStep() throws IOException {
        Path saved = saveResumable("step-" + step);
        Checkpoints.link(run.runDir(), saved, "last");
        Checkpoints.rotate(run.runDir(), config.keepLast());
        return saved;
    }

    private Path saveResumable(String name) throws IOException {
        run.metrics().sync();
        TaskSampler.State samplerState = consumedSampler;
        Map<String, TaskStream.Cursor> cursors = new LinkedHashMap<>(consumedCursors);
        TrainerState state = new TrainerState(step, samplerState.rngState(), samplerState.step(), cursors,
                new LinkedHashMap<>(taskSteps), best.bestScore(), best.bestStep(), best.bestTaskScores(),
                best.evalsWithoutGain(), guard.badSteps(), guard.skippedSteps(), best.metricsAt(step), best.bestMetrics(),
                best.bestTaskSteps(), guard.badStepsOfTask(), stoppingEarly);
        Map<String, Object> meta = new LinkedHashMap<>(run.meta());
        meta.put("step", step);
        meta.put("world_size", dist.worldSize());
        return Checkpoints.save(run.runDir(), name, new Checkpoints.Contents(model, run.tokenizerJson(), meta,
                sharedOptimizer, headsOptimizer, state));
    }

    public long step() {
        return step;
    }

    private Map<String, TaskStream.Cursor> currentCursors() {
        Map<String, TaskStream.Cursor> cursors = new LinkedHashMap<>();
        streams.forEach((t, s) -> cursors.put(t, s.cursor()));
        return cursors;
    }

    /**
     * Test hook ({@code -Dmtl4j.test.dump-params=DIR}): every rank writes its final parameters to
     * {@code DIR/rank-R/} (a model directory), so a test can check that the ranks ended equal.
     */
    private void dumpParametersForTests() throws IOException {
        String dir = System.getProperty("mtl4j.test.dump-params");
        if (dir != null) {
            try (PointerScope scope = new PointerScope()) {
                io.mtl4j.model.CheckpointWriter.save(model.encoder(), model.heads().tensors(),
                        Path.of(dir).resolve("rank-" + dist.rank()));
            }
        }
    }

    public MultiTaskModel model() {
        return model;
    }


}
