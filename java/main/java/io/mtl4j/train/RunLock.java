package io.mtl4j.train;

import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * An exclusive lock on a run directory, held while a run trains into it, so that a second
 * {@code train --resume} of the same run (or a new run into the same directory) is refused instead
 * of interleaving its checkpoints and metrics with the first. The OS releases it when the process
 * dies, so a crashed run never leaves the directory locked. The lock file stays behind, empty of
 * meaning once unlocked (removing it would let two processes lock different files); only a new run
 * that fails before training removes it, while still holding it, and {@link #acquire} checks that the
 * file it locked is still the one at the path.
 */
public final class RunLock implements AutoCloseable {
    private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(RunLock.class);
    public static final String FILE_NAME = ".mtl4j-run.lock";
    /** For ranks other than 0, which never write the run directory. */
    public static final RunLock NONE = new RunLock(null, null, null);

    private final FileChannel channel;
    private final FileLock lock;
    /** The locked file's device and inode; null where the file system gives none or it was created under us. */
    private final Object identity;

    private RunLock(FileChannel channel, FileLock lock, Object identity) {
        this.channel = channel;
        this.lock = lock;
        this.identity = identity;
    }

    /**
     * Locks {@code runDir} (which must exist), or refuses with a one-line error if another run holds
     * it. Where the file system cannot lock (some network mounts), the run goes on unlocked, with a
     * warning: refusing would make training there impossible.
     */
    public static RunLock acquire(Path runDir) throws IOException {
        // A new run that fails to start removes the lock file while holding it. A process that opened the
        // file just before would then lock the removed file while a third locks the new one, both
        // "holding" the directory: the lock counts only if the path still names the file locked.
        for (int attempt = 1; ; attempt++) {
            RunLock held = lockTheFileAt(runDir);
            if (held == NONE || held.isTheFileAt(runDir.resolve(FILE_NAME)) || attempt == 5) {
                return held;
            }
            held.close();
        }
    }

    /**
     * The file system's identity of {@code file} (device and inode), from its attributes: opening it
     * to compare would be wrong, since closing any descriptor of a file drops the process's POSIX locks on it.
     */
    private static Object identity(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static RunLock lockTheFileAt(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE_NAME);
        FileChannel channel;
        Object identity;
        try {
            // the file at the path both before and after opening it is the one opened (a removed file never returns)
            Object before = identity(file);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            identity = before != null && before.equals(identity(file)) ? before : null;
        } catch (IOException e) {
            throw new UserError(file + ": cannot open the run's lock file: " + io.mtl4j.util.IoErrors.reason(e));
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        } catch (IOException e) {
            channel.close();
            LOG.warn("{}: the file system cannot lock files ({}); a second run in this directory would not be refused",
                    runDir, io.mtl4j.util.IoErrors.reason(e));
            return NONE;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw refusal(runDir, holder);
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new RunLock(channel, lock, identity);
    }

    /**
     * Refuses as {@link #acquire} would when another process holds {@code runDir}'s lock; creates,
     * writes and keeps nothing. Only for a process that does not hold the lock itself: closing its
     * probe would release the process's own lock (POSIX locks belong to the process, not the channel).
     */
    public static void refuseIfHeldElsewhere(Path runDir) {
        Path file = runDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw refusal(runDir, holder(channel));
            }
            lock.release();
        } catch (IOException | OverlappingFileLockException e) {
            // Cannot tell (no write access, no locking, or held by this process): acquire decides later.
        }
    }

    private static UserError refusal(Path runDir, String holder) {
        return new UserError(runDir + ": another mtl4j run is training in this directory"
                + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; wait for it to finish or stop it first");
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            channel.read(buf, 0);
            return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether {@code file} names the file this lock holds (not known: no, so that acquire opens it again). */
    boolean isTheFileAt(Path file) {
        return identity != null && identity.equals(identity(file));
    }

    /** True for the lock file, which does not make a run directory non-empty. */
    public static boolean isLockFile(Path p) {
        return p.getFileName().toString().equals(FILE_NAME);
    }

    @Override
    public void close() throws IOException {
        if (channel != null && channel.isOpen()) {
            lock.release();
            channel.close();
        }
    }
}
