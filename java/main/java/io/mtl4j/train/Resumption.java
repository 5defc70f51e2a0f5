package io.mtl4j.train;

import io.mtl4j.config.TrainConfig;
import io.mtl4j.data.TaskSampler;
import io.mtl4j.dist.Collectives;
import io.mtl4j.optim.FlatAdamW;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resumes a run from a checkpoint: restores the trainer's optimizers, task sampler, data streams,
 * non-finite guard and best scores to what the checkpoint saved, checks that every rank resumed the
 * same step, and repairs the {@code best} links and eval.json a run that died mid-save left behind.
 * The rest of the trainer's state comes back as a {@link Resumed}.
 */
final class Resumption {
    // Logged under the trainer's name, as before these lines moved here out of Trainer.
    private static final Logger LOG = LogManager.getLogger(Trainer.class);

    private final TrainConfig config;
    private final Path runDir;
    private final Collectives dist;
    private final FlatAdamW sharedOptimizer;
    private final HeadOptimizers headsOptimizer;
    private final TaskSampler sampler;
    private final Map<String, TaskStream> streams;
    private final NonFiniteGuard guard;
    private final BestTracker best;
    private long step;

    /** What the trainer takes over from a resume besides the parts restored in place. */
    record Resumed(long step, Map<String, Long> taskSteps, boolean afterEarlyStop, long savedWhenResumed) {
    }

    Resumption(TrainConfig config, Path runDir, Collectives dist, FlatAdamW sharedOptimizer,
               HeadOptimizers headsOptimizer, TaskSampler sampler, Map<String, TaskStream> streams,
               NonFiniteGuard guard, BestTracker best) {
        this.config = config;
        this.runDir = runDir;
        this.dist = dist;
        this.sharedOptimizer = sharedOptimizer;
        this.headsOptimizer = headsOptimizer;
        this.sampler = sampler;
        this.streams = streams;
        this.guard = guard;
        this.best = best;
    }

    /**
     * Restores everything a checkpoint saved, so the run continues as if never interrupted.
     *
     * @param trainingStarted the trainer has begun training (its prefetcher runs): too late to restore
     */
    Resumed restore(Path checkpoint, boolean trainingStarted) {
        TrainerState s = Checkpoints.readState(checkpoint);
        Object savedWorld = Checkpoints.readMeta(checkpoint).getOrDefault("world_size", 1);
        if (((Number) savedWorld).intValue() != dist.worldSize()) {
            throw new UserError("cannot resume " + checkpoint + " with world size " + dist.worldSize()
                    + ": it was trained with " + savedWorld + " rank(s), and the batches each rank reads depend on it");
        }
        Checkpoints.restoreOptimizers(checkpoint, sharedOptimizer, headsOptimizer);
        step = s.step();
        if (trainingStarted) {
            throw new IllegalStateException("restore() after training started");
        }
        sampler.restore(new TaskSampler.State(s.samplerRngState(), s.samplerStep()));
        s.cursors().forEach((task, cursor) -> {
            TaskStream stream = streams.get(task);
            if (stream == null) {
                throw new UserError(checkpoint + ": checkpoint has task " + task + " that this run does not train");
            }
            stream.restore(cursor);
        });
        Map<String, Long> taskSteps = new LinkedHashMap<>(s.taskSteps());
        guard.restore(s.badSteps(), s.skippedSteps(), s.badStepsOfTask());
        Map<String, Map<String, Double>> bestMetrics = s.bestMetrics();
        if (bestMetrics == null && s.bestStep() >= 0) { // a checkpoint older than TrainerState.bestMetrics
            bestMetrics = s.bestStep() == s.step() ? s.metrics() : Checkpoints.readState(runDir.resolve("best")).metrics();
        }
        best.restore(s, bestMetrics);
        // Checkpoints older than the flag: only an early stop saves a state whose patience ran out
        // before the last step (with the patience the run had then).
        boolean afterEarlyStop = s.earlyStopped() != null ? s.earlyStopped()
                : s.step() < config.steps() && best.patienceExhausted(SavedConfig.of(checkpoint).patience());
        if (dist.worldSize() > 1) {
            requireSameStepAsRankZero(checkpoint);
        }
        long savedWhenResumed = -1;
        if (dist.isMain()) {
            relinkBestCheckpoints(checkpoint);
            savedWhenResumed = checkpointAtStep(runDir.resolve("last"), step) ? step : -1;
        }
        LOG.info("resumed from {} at step {}", checkpoint, step);
        return new Resumed(step, taskSteps, afterEarlyStop, savedWhenResumed);
    }

    /**
     * Every rank reads the run on its own: one that sees an older checkpoint (a node-local copy, a
     * stale network file system) would train on other weights and data without any collective failing.
     */
    private void requireSameStepAsRankZero(Path checkpoint) {
        long mainStep = (long) dist.allReduceSum(new double[]{dist.isMain() ? step : 0}, "the resumed step")[0];
        if (dist.anyTrue(step != mainStep, "the resumed steps' check")) {
            throw new UserError(step != mainStep
                    ? "rank " + dist.rank() + " resumed at step " + step + ", rank 0 at step " + mainStep + " (" + checkpoint
                    + "): every rank must see the same run directory, on a shared file system"
                    : "rank " + dist.rank() + ": another rank resumed at a step other than rank 0's (" + mainStep
                    + "; its log says which): every rank must see the same run directory, on a shared file system");
        }
    }

    /**
     * A run that died after saving {@code step-N} but before linking it as {@code best} (or
     * {@code best-<task>}), or before writing eval.json, resumes from that very checkpoint: link and
     * write them now, or they would stay missing or stale for the rest of the run.
     */
    private void relinkBestCheckpoints(Path checkpoint) {
        try {
            relinkBest("best", best.bestStep(), checkpoint);
            if (best.bestStep() >= 0 && checkpointAtStep(runDir.resolve("best"), best.bestStep())
                    && !EvalJson.holdsTheBest(runDir, best)) {
                LOG.warn("the run stopped before writing eval.json for its best checkpoint (step {}): writing it now",
                        best.bestStep());
                EvalJson.write(runDir, best);
            }
            for (Map.Entry<String, Long> e : best.bestTaskSteps().entrySet()) {
                relinkBest("best-" + e.getKey(), e.getValue(), checkpoint);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Makes {@code RUN/name} hold the checkpoint of {@code bestStep} again when the run died before linking it
     * (then it is the resumed {@code checkpoint}), or when it holds a checkpoint from after the resumed step: one
     * the resume passed over as damaged, of a trajectory this run does not continue (on a GPU, whose steps are
     * not bit-reproducible, the redone steps need not score as well and link it anew).
     */
    private void relinkBest(String name, long bestStep, Path checkpoint) throws IOException {
        Path link = runDir.resolve(name);
        if (bestStep < 0 || checkpointAtStep(link, bestStep)) {
            return;
        }
        if (bestStep == step) {
            LOG.warn("the run stopped before linking {} (step {}): linking it now",
                    name.equals("best") ? "its best checkpoint" : name, step);
            Checkpoints.link(runDir, checkpoint, name);
            return;
        }
        long linked = Checkpoints.stepOrMinusOne(link);
        if (Files.exists(link) && linked <= step && linked >= 0) {
            return;
        }
        String held = Files.exists(link) ? name + " held " + (linked < 0 ? "a damaged checkpoint" : "step " + linked
                + ", from after the resumed step " + step) : name + " was missing";
        java.util.Optional<Path> source = Checkpoints.intactAtStep(runDir, bestStep);
        if (source.isPresent()) {
            LOG.warn("{}: linking {} (step {}), the best of the run as resumed", held, source.get().getFileName(), bestStep);
            Checkpoints.link(runDir, source.get(), name);
        } else if (Files.exists(link)) {
            LOG.warn("{}, and no intact checkpoint of step {}, the best of the run as resumed, is left: {} stays as it "
                    + "is until an evaluation improves on step {}", held, bestStep, name, bestStep);
        }
    }

    private static boolean checkpointAtStep(Path checkpoint, long step) {
        return Files.isRegularFile(checkpoint.resolve(Checkpoints.STATE)) && Checkpoints.readState(checkpoint).step() == step;
    }
}
