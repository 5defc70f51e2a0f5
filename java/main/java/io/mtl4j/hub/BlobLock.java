package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on one blob of the hub cache, held while it is downloaded, verified,
 * renamed into place and linked: {@code {hubCache}/.locks/{repo folder}/{etag}.lock}, the path
 * {@code huggingface_hub} locks for the same blob.
 *
 * <p>Two levels: a process-wide {@link ReentrantLock} per lock file (a JVM can hold only one
 * {@link FileLock} on a file; a second {@code FileChannel.lock} from another thread throws
 * {@link java.nio.channels.OverlappingFileLockException} instead of waiting), then a
 * lock on the file for other processes. The lock file is never deleted:
 * deleting it would let a waiter lock an unlinked inode while a newcomer locks a new one.
 *
 * <p>Across processes, two kinds of lock on the file, taken in this order: an {@link Flock}, the
 * kind Python's {@code filelock} takes for {@code huggingface_hub}, so a Python download of the
 * same blob waits for this one and this one for it; then the {@code fcntl} record lock of
 * {@link FileChannel#lock()}, which Linux keeps apart from {@code flock} locks and which is all
 * there is where libc has no {@code flock}.
 */
final class BlobLock implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(BlobLock.class);

    /** Per lock file, the in-process lock and how many threads hold or wait for it. */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private static final Map<Path, Entry> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path key;
    private final Entry entry;
    private final Flock flock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private BlobLock(Path key, Entry entry, Flock flock, FileChannel channel, FileLock fileLock) {
        this.key = key;
        this.entry = entry;
        this.flock = flock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    /**
     * Blocks until this thread holds the lock on {@code lockFile} (creating it and its
     * directories), logging once if another thread or process holds it.
     *
     * @param what the blob's description, for the log line
     */
    static BlobLock acquire(Path lockFile, String what) {
        Path key = lockFile.toAbsolutePath().normalize();
        Entry entry = IN_PROCESS.compute(key, (k, e) -> {
            Entry held = e == null ? new Entry() : e;
            held.users++;
            return held;
        });
        boolean locked = false;
        Flock flock = null;
        FileChannel channel = null;
        try {
            if (!entry.lock.tryLock()) {
                LOG.info("Waiting for another download of {} in this process to finish", what);
                entry.lock.lockInterruptibly();
            }
            locked = true;
            Files.createDirectories(key.getParent());
            channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            boolean waited = false;
            if (Flock.available()) {
                try {
                    flock = Flock.tryLock(key);
                    if (flock == null) {
                        waitingFor(what, key);
                        waited = true;
                        flock = Flock.lock(key);
                    }
                } catch (Flock.Unsupported e) {
                    LOG.debug("{}; locking with fcntl only, which a huggingface_hub download does not see", e.getMessage());
                }
            }
            FileLock fileLock = channel.tryLock();
            if (fileLock == null) {
                if (!waited) {
                    waitingFor(what, key);
                }
                fileLock = channel.lock();
            }
            return new BlobLock(key, entry, flock, channel, fileLock);
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeQuietly(channel);
            if (flock != null) {
                flock.close();
            }
            if (locked) {
                entry.lock.unlock();
            }
            release(key);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted while waiting for the lock " + key, e);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot lock " + key + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    @Override
    public void close() {
        try {
            fileLock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        } finally {
            closeQuietly(channel);
            if (flock != null) {
                flock.close();
            }
            entry.lock.unlock();
            release(key);
        }
    }

    private static void waitingFor(String what, Path key) {
        LOG.info("Waiting for another process downloading {} to finish (lock {})", what, key);
    }

    private static void release(Path key) {
        IN_PROCESS.computeIfPresent(key, (k, e) -> --e.users == 0 ? null : e);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was written to it
            }
        }
    }
}
