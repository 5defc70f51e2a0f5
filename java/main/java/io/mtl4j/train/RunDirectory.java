package io.mtl4j.train;

import io.mtl4j.dist.Collectives;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.Files2;
import io.mtl4j.util.IoErrors;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run directory's life outside the checkpoints: a new run only starts in an empty directory (or
 * over the leftovers of a run that never saved), a failed start leaves it as it was found, and a
 * resumed run's metrics log drops the lines logged after the checkpoint it resumes from.
 */
final class RunDirectory {
    private static final Logger LOG = LogManager.getLogger(RunDirectory.class);

    private RunDirectory() {
    }

    /**
     * Rank 0 checks that a new run's directory is empty, creates it and locks it, or, resuming (the
     * lock already held), removes the run's unfinished checkpoint writes; every rank learns whether
     * that worked, so none trains into a refused directory and none waits for a rank 0 that quit.
     * Returns the new run's lock. {@code refusedBefore}: rank 0 could not lock the run it resumes.
     */
    static RunLock prepare(Path runDir, boolean fresh, Collectives dist, UserError refusedBefore) throws IOException {
        RuntimeException refused = refusedBefore;
        RunLock lock = RunLock.NONE;
        if (dist.isMain() && refused == null) {
            try {
                if (fresh) {
                    checkEmpty(runDir);
                }
                Files.createDirectories(runDir);
                if (fresh) {
                    lock = RunLock.acquire(runDir);
                    checkEmpty(runDir); // again: a run that held the lock may have saved since the first look
                    removeLeftoversOfARunThatNeverSaved(runDir); // only now: they may have been a live run's
                } else {
                    Checkpoints.removeUnfinishedWrites(runDir);
                }
            } catch (UserError e) {
                refused = e;
            } catch (IOException e) {
                refused = new UserError("cannot create " + runDir + ": " + IoErrors.reason(e));
            }
        }
        boolean failed = dist.worldSize() > 1 ? dist.anyTrue(refused != null, "the run-directory check") : refused != null;
        if (refused != null) {
            lock.close();
            throw refused;
        }
        if (failed) {
            throw new UserError("rank " + dist.rank() + ": rank 0 refused to start the run in " + runDir + " (its log says why)");
        }
        return lock;
    }

    private static void checkEmpty(Path runDir) throws IOException {
        if (Files.exists(runDir)) {
            if (!Files.isDirectory(runDir)) {
                throw new UserError("--output " + runDir + " is a file");
            }
            try (Stream<Path> s = Files.list(runDir)) {
                if (s.anyMatch(p -> !RunLock.isLockFile(p) && !isLeftoverOfARunThatNeverSaved(p))) {
                    throw new UserError("--output " + runDir + " is not empty; " + (Checkpoints.hasResumeCandidates(runDir)
                            ? "use --resume " + runDir + " to continue that run, or choose a new directory"
                            : "it holds no mtl4j run to resume: choose a new directory") + " (nothing was overwritten)");
                }
            }
        }
    }

    /**
     * What a run that stopped before its first checkpoint leaves: its metrics log and unfinished
     * checkpoint writes. Nothing there can be resumed, so a new run may start over them.
     */
    private static boolean isLeftoverOfARunThatNeverSaved(Path p) {
        String name = p.getFileName().toString();
        return name.equals(MetricsLog.FILE_NAME) || Checkpoints.isUnfinishedWrite(p);
    }

    private static void removeLeftoversOfARunThatNeverSaved(Path runDir) throws IOException {
        List<Path> leftovers;
        try (Stream<Path> s = Files.list(runDir)) {
            leftovers = s.filter(RunDirectory::isLeftoverOfARunThatNeverSaved).toList();
        }
        if (!leftovers.isEmpty()) {
            LOG.warn("{}: starting over a run that stopped before its first checkpoint (removing {})", runDir,
                    leftovers.stream().map(p -> p.getFileName().toString()).toList());
            for (Path p : leftovers) {
                Files2.deleteTree(p);
            }
        }
    }

    /**
     * A new run that failed before it trained (a bad model or data path, say) leaves its directory as
     * it found it: removed if it created it, else empty. Called with the run's lock still held, so no
     * other process can be starting in the directory; anything the run logged stays.
     */
    static void undoFailedStart(Path runDir, boolean created) {
        try {
            List<Path> entries;
            try (Stream<Path> s = Files.list(runDir)) {
                entries = s.toList();
            }
            boolean untouched = entries.stream().allMatch(p -> RunLock.isLockFile(p) || isEmptyMetricsLog(p));
            if (!untouched) {
                return;
            }
            for (Path p : entries) {
                Files.delete(p);
            }
            if (created) {
                Files.delete(runDir);
            }
        } catch (IOException e) {
            LOG.debug("could not tidy {} after a failed start: {}", runDir, e.toString());
        }
    }

    private static boolean isEmptyMetricsLog(Path p) {
        try {
            return p.getFileName().toString().equals(MetricsLog.FILE_NAME) && Files.size(p) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Opens metrics.jsonl; on resume, drops lines logged after the checkpoint (they will be redone). */
    static MetricsLog openMetrics(Path runDir, Path checkpoint) throws IOException {
        Path file = runDir.resolve(MetricsLog.FILE_NAME);
        if (checkpoint != null && Files.exists(file)) {
            long step = Checkpoints.readState(checkpoint).step();
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                try {
                    var node = Checkpoints.JSON.readTree(line);
                    if (node != null && node.has("step") && node.get("step").asLong() <= step) {
                        kept.add(line);
                    }
                } catch (IOException e) {
                    // a line cut off by the crash: drop it
                }
            }
            StringBuilder text = new StringBuilder();
            for (String line : kept) {
                text.append(line).append('\n');
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            // Rewritten only when something is dropped: a resume that trains no further changes nothing.
            if (!java.util.Arrays.equals(bytes, Files.readAllBytes(file))) {
                AtomicFiles.write(file, out -> out.write(bytes));
            }
        }
        return new MetricsLog(file);
    }
}
