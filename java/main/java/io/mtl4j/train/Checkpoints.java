package io.mtl4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mtl4j.model.CheckpointWriter;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.TensorBridge;
import io.mtl4j.optim.FlatAdamW;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The checkpoints of a run directory: {@code RUN/{last,best,best-<task>,step-N}/}, each a
 * Hugging Face model directory (config.json, model.safetensors with the encoder's HF names plus
 * {@code heads.*}, tokenizer.json) with mtl4j.json (tasks, effective config, provenance) and,
 * for resumable ones, optimizer.safetensors and trainer_state.json.
 *
 * <p>A checkpoint is written completely into a hidden temp directory and then renamed into
 * place, so a killed run never leaves a half-written checkpoint under a checkpoint's name.
 * Replacing {@code last} or {@code best} renames the old one aside first and deletes it after.
 */
public final class Checkpoints {
    public static final String META = "mtl4j.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** Metadata key prefix of a task head's optimizer step count in {@link #OPTIMIZER}. */
    private static final String HEAD_STEP = "heads.step.";
    public static final String STATE = "trainer_state.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String TMP_PREFIX = ".tmp-";
    private static final String OLD_PREFIX = ".old-";

    private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(Checkpoints.class);

    private Checkpoints() {
    }

    /** What to write into a checkpoint. Optimizers and state are null for weights-only checkpoints. */
    public record Contents(MultiTaskModel model, byte[] tokenizerJson, Map<String, Object> meta,
                           FlatAdamW sharedOptimizer, HeadOptimizers headsOptimizer, TrainerState state) {
    }

    /** Writes {@code RUN/name} atomically, replacing an existing one. */
    public static Path save(Path runDir, String name, Contents c) throws IOException {
        Path tmp = runDir.resolve(TMP_PREFIX + name + "-" + System.nanoTime());
        Files.createDirectories(tmp);
        try {
            CheckpointWriter.save(c.model().encoder(), c.model().heads().tensors(), tmp);
            if (c.tokenizerJson() != null) {
                byte[] tokenizer = c.tokenizerJson();
                AtomicFiles.write(tmp.resolve(BertTokenizer.FILE_NAME), out -> out.write(tokenizer));
            }
            byte[] meta = JSON.writeValueAsBytes(c.meta());
            AtomicFiles.write(tmp.resolve(META), out -> out.write(meta));
            if (c.state() != null) {
                Map<String, Tensor> opt = new LinkedHashMap<>();
                opt.put("shared.exp_avg", c.sharedOptimizer().expAvg());
                opt.put("shared.exp_avg_sq", c.sharedOptimizer().expAvgSq());
                opt.put("heads.exp_avg", c.headsOptimizer().expAvg());
                opt.put("heads.exp_avg_sq", c.headsOptimizer().expAvgSq());
                Map<String, String> steps = new LinkedHashMap<>();
                steps.put("shared.step", String.valueOf(c.sharedOptimizer().stepCount()));
                c.headsOptimizer().stepCounts().forEach((task, n) -> steps.put(HEAD_STEP + task, String.valueOf(n)));
                CheckpointWriter.writeSafetensors(opt, tmp.resolve(OPTIMIZER), steps);
                byte[] state = JSON.writeValueAsBytes(c.state());
                AtomicFiles.write(tmp.resolve(STATE), out -> out.write(state));
            }
            return moveIntoPlace(runDir, tmp, name);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            if (e instanceof IOException io && isDiskFull(io)) {
                throw new UserError(runDir + ": no space left on device while writing checkpoint " + name
                        + "; the previous checkpoint is intact", e);
            }
            throw e;
        }
    }

    private static boolean isDiskFull(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left") || m.contains("Disk quota");
    }

    /**
     * Makes {@code RUN/name} a copy of checkpoint {@code source} by hard links (checkpoint files are
     * never modified in place, so sharing them is safe), replacing an existing one atomically.
     */
    public static Path link(Path runDir, Path source, String name) throws IOException {
        Path tmp = runDir.resolve(TMP_PREFIX + name + "-" + System.nanoTime());
        Files.createDirectories(tmp);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    Files.createLink(tmp.resolve(f.getFileName()), f);
                } catch (UnsupportedOperationException | IOException e) {
                    AtomicFiles.copy(f, tmp.resolve(f.getFileName()));
                }
            }
        }
        AtomicFiles.syncDirectory(tmp); // the links' entries, before the rename makes them the checkpoint
        return moveIntoPlace(runDir, tmp, name);
    }

    /** Renames a complete temp checkpoint to {@code RUN/name}, replacing an existing one by renaming it aside first. */
    private static Path moveIntoPlace(Path runDir, Path tmp, String name) throws IOException {
        Path target = runDir.resolve(name);
        Path old = null;
        if (Files.exists(target)) {
            old = runDir.resolve(OLD_PREFIX + name + "-" + System.nanoTime());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.syncDirectory(runDir);
        if (old != null) {
            deleteTree(old);
        }
        deleteOldCopiesOfInterruptedReplacements(runDir, name);
        return target;
    }

    /**
     * A run killed between the two renames of replacing {@code name} left the old copy renamed aside
     * (a resume may start from it, so it is kept until then); now that {@code name} is in place again
     * it is garbage that would hold a whole checkpoint's disk space for good.
     */
    private static void deleteOldCopiesOfInterruptedReplacements(Path runDir, String name) throws IOException {
        List<Path> leftovers;
        try (Stream<Path> s = Files.list(runDir)) {
            leftovers = s.filter(p -> p.getFileName().toString().startsWith(OLD_PREFIX + name + "-")
                    && p.getFileName().toString().substring(OLD_PREFIX.length() + name.length() + 1).matches("-?\\d+")).toList();
        }
        for (Path p : leftovers) {
            deleteTree(p);
        }
    }

    /** Keeps the newest {@code keep} {@code step-N} checkpoints. */
    public static void rotate(Path runDir, int keep) throws IOException {
        List<Path> steps = stepCheckpoints(runDir);
        for (int i = 0; i < steps.size() - keep; i++) {
            // Rename first, so a crash mid-delete never leaves a half checkpoint under a checkpoint's name.
            Path doomed = runDir.resolve(TMP_PREFIX + "delete-" + steps.get(i).getFileName() + "-" + System.nanoTime());
            Files.move(steps.get(i), doomed, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(doomed);
        }
    }

    static List<Path> stepCheckpoints(Path runDir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(runDir)) {
            s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p)).forEach(out::add);
        }
        out.sort(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(5))));
        return out;
    }

    /**
     * Removes the temp directories of checkpoint writes a dead run left unfinished. Only for the
     * holder of the run's {@link RunLock}: in a live run they are writes in progress.
     */
    public static void removeUnfinishedWrites(Path runDir) throws IOException {
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (isUnfinishedWrite(p)) {
                    deleteTree(p);
                }
            }
        }
    }

    /**
     * True for the temp directory of a checkpoint write that has not been renamed into place, or the
     * temp file of an unfinished {@link AtomicFiles} write of a run file (eval.json, metrics.jsonl).
     */
    public static boolean isUnfinishedWrite(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(TMP_PREFIX) || (name.startsWith(".") && name.endsWith(AtomicFiles.TEMP_SUFFIX));
    }

    /**
     * The newest complete resumable checkpoint of a run: {@code last}, a {@code step-N}, a
     * {@code last} that was being replaced when the run died, or {@code best}/{@code best-<task>}.
     * A damaged newer one (files truncated or unreadable, say after a disk failure) is passed over
     * with a warning. Reads only; safe while the run is training.
     */
    public static Path newestResumable(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            throw new UserError(runDir + (Files.exists(runDir) ? ": a file, not a run directory" : ": run directory does not exist"));
        }
        List<Path> candidates = resumeCandidates(runDir);
        // At equal steps the first wins: last, then step-N, a replaced last, and best/best-<task> last.
        candidates.sort(Comparator.comparingInt(Checkpoints::resumePreference));
        List<String> damaged = new ArrayList<>();
        Path newest = null;
        long newestStep = -1;
        for (Path p : candidates) {
            try {
                long step = readState(p).step();
                if (step > newestStep) {
                    checkComplete(p);
                    newestStep = step;
                    newest = p;
                }
            } catch (UserError e) {
                damaged.add(e.getMessage());
            }
        }
        if (newest == null) {
            // A run still training towards its first checkpoint has not stopped: say it is training. (A process
            // holding the lock itself reaches this line only on its way to the error below.)
            RunLock.refuseIfHeldElsewhere(runDir);
            throw new UserError(runDir + ": no resumable checkpoint (looked for last/ and step-N/ with " + STATE + ")"
                    + (damaged.isEmpty() ? "" : "; damaged: " + String.join("; ", damaged))
                    + (damaged.isEmpty() && Files.isRegularFile(runDir.resolve(MetricsLog.FILE_NAME))
                    ? "; the run stopped before its first checkpoint: start it again with --output " + runDir : "")
                    + (Files.isRegularFile(runDir.resolve(STATE)) && runDir.toAbsolutePath().getParent() != null
                    ? "; " + runDir + " is a checkpoint: give its run directory, --resume " + runDir.toAbsolutePath().getParent() : ""));
        }
        for (String d : damaged) {
            LOG.warn("passed over a damaged checkpoint: {}", d);
        }
        return newest;
    }

    /** An intact checkpoint of {@code runDir} saved at {@code step} (step-N, last or a best link), if any is left. */
    static java.util.Optional<Path> intactAtStep(Path runDir, long step) throws IOException {
        List<Path> candidates = resumeCandidates(runDir);
        candidates.sort(Comparator.comparingInt(Checkpoints::resumePreference));
        for (Path p : candidates) {
            try {
                if (readState(p).step() == step) {
                    checkComplete(p);
                    return java.util.Optional.of(p);
                }
            } catch (UserError damaged) {
                // look on
            }
        }
        return java.util.Optional.empty();
    }

    /** The step a checkpoint's state records, or -1 when it has none or cannot be read. */
    static long stepOrMinusOne(Path checkpoint) {
        try {
            return Files.isRegularFile(checkpoint.resolve(STATE)) ? readState(checkpoint).step() : -1;
        } catch (UserError damaged) {
            return -1;
        }
    }

    /** Whether {@code runDir} holds a checkpoint a resume could start from (complete or not). */
    static boolean hasResumeCandidates(Path runDir) throws IOException {
        return Files.isDirectory(runDir) && !resumeCandidates(runDir).isEmpty();
    }

    private static List<Path> resumeCandidates(Path runDir) throws IOException {
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if ((n.equals("last") || n.matches("step-\\d+") || n.startsWith(OLD_PREFIX + "last") || n.equals("best")
                        || n.startsWith("best-")) && Files.isRegularFile(p.resolve(STATE))) {
                    candidates.add(p);
                }
            }
        }
        return candidates;
    }

    private static int resumePreference(Path checkpoint) {
        String n = checkpoint.getFileName().toString();
        return n.equals("last") ? 0 : n.startsWith("step-") ? 1 : n.startsWith(OLD_PREFIX) ? 2 : n.equals("best") ? 3 : 4;
    }

    /** Throws a {@link UserError} naming the problem unless every file a resume reads is intact. */
    private static void checkComplete(Path checkpoint) {
        readMeta(checkpoint);
        io.mtl4j.model.BertConfig.load(checkpoint);
        for (String file : List.of(io.mtl4j.model.CheckpointLoader.WEIGHTS, OPTIMIZER)) {
            try (SafeTensorsFile f = SafeTensorsFile.open(checkpoint.resolve(file))) {
                f.tensors(); // the header parsed and every tensor lies within the file
            }
        }
    }

    public static TrainerState readState(Path checkpoint) {
        Path file = checkpoint.resolve(STATE);
        TrainerState state;
        try {
            state = JSON.readValue(file.toFile(), TrainerState.class);
        } catch (IOException e) {
            throw new UserError(file + ": corrupt trainer state: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (state == null || state.step() < 0 || state.cursors() == null || state.taskSteps() == null
                || state.bestTaskScores() == null || state.badSteps() < 0 || state.skippedSteps() < 0
                || state.cursors().values().stream().anyMatch(c -> c == null || c.epoch() < 0 || c.position() < 0)) {
            throw new UserError(file + ": corrupt trainer state: missing or negative fields");
        }
        return state;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> readMeta(Path checkpoint) {
        Path file = checkpoint.resolve(META);
        if (!Files.isRegularFile(file)) {
            if (Files.isRegularFile(checkpoint.resolve(MetricsLog.FILE_NAME)) || Files.isDirectory(checkpoint.resolve("last"))) {
                throw new UserError(checkpoint + ": a run directory, not a checkpoint; use " + checkpoint.resolve("best")
                        + " (or last, step-N, best-<task>)");
            }
            throw new UserError(checkpoint + ": not an mtl4j checkpoint (no " + META + ")");
        }
        try {
            Map<String, Object> meta = JSON.readValue(file.toFile(), Map.class);
            if (meta == null) {
                throw new UserError(file + ": corrupt: not a JSON object");
            }
            requireReadableFormat(file, meta.get("format"));
            return meta;
        } catch (IOException e) {
            throw new UserError(file + ": corrupt: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }

    /** A checkpoint a newer mtl4j wrote may hold what this one would misread: refused, not guessed at. */
    private static void requireReadableFormat(Path file, Object format) {
        if (!(format instanceof String f) || !f.startsWith(TrainSession.FORMAT_NAME)) {
            return; // older checkpoints carry none
        }
        int version;
        try {
            version = Integer.parseInt(f.substring(TrainSession.FORMAT_NAME.length()));
        } catch (NumberFormatException e) {
            throw new UserError(file + ": corrupt: format \"" + f + "\"");
        }
        if (version > TrainSession.FORMAT_VERSION) {
            throw new UserError(file + ": format " + f + " is newer than this mtl4j reads (" + TrainSession.FORMAT
                    + "): use the mtl4j that wrote it, or a newer one");
        }
    }

    /**
     * Restores the optimizers' moments and step counts. Checkpoints written before the heads had one
     * optimizer per task hold a single "heads.step", which every head had then taken.
     */
    static void restoreOptimizers(Path checkpoint, FlatAdamW shared, HeadOptimizers heads) {
        try (SafeTensorsFile f = SafeTensorsFile.open(checkpoint.resolve(OPTIMIZER))) {
            shared.restore(read(f, "shared.exp_avg"), read(f, "shared.exp_avg_sq"), metaLong(f, "shared.step"));
            Map<String, Long> steps = new LinkedHashMap<>();
            for (String task : heads.stepCounts().keySet()) {
                String key = f.metadata().containsKey(HEAD_STEP + task) ? HEAD_STEP + task : "heads.step";
                steps.put(task, metaLong(f, key));
            }
            heads.restore(read(f, "heads.exp_avg"), read(f, "heads.exp_avg_sq"), steps);
        }
    }

    private static Tensor read(SafeTensorsFile f, String name) {
        var info = f.tensors().get(name);
        if (info == null) {
            throw new UserError(f.path() + ": missing optimizer tensor " + name);
        }
        return TensorBridge.read(f, info);
    }

    private static long metaLong(SafeTensorsFile f, String key) {
        try {
            return Long.parseLong(f.metadata().get(key));
        } catch (RuntimeException e) {
            throw new UserError(f.path() + ": missing or bad metadata " + key);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        io.mtl4j.util.Files2.deleteTree(dir);
    }
}
