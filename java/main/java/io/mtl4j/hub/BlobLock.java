package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on one blob of the hub cache, held while it is downloaded, verified,
 * renamed into place and linked: {@code {hubCache}/.locks/{repo folder}/{etag}.lock}, the path
 * {@code huggingface_hub} locks for the same blob (its {@code WeakFileLock}, over the
 * {@code filelock} package).
 *
 * <p>Two levels: a process-wide {@link ReentrantLock} per lock file (a JVM can hold only one
 * {@link FileLock} on a file; a second {@code FileChannel.lock} from another thread throws
 * {@link java.nio.channels.OverlappingFileLockException} instead of waiting), then a
 * lock on the file for other processes, of one of two kinds, as {@code huggingface_hub} takes it:
 *
 * <ul>
 *   <li>Where the file system has {@code flock}: an {@link Flock} (what {@code filelock}'s
 *       {@code UnixFileLock} takes), then the {@code fcntl} record lock of {@link FileChannel#lock()},
 *       which Linux keeps apart from {@code flock} locks and which is all there is where libc has no
 *       {@code flock}. The lock file is left in place on release: deleting it would let a waiter
 *       lock an unlinked inode while a newcomer locks a new one. Recent {@code filelock} versions do
 *       delete it, so a lock taken on a file the path no longer names is dropped and taken anew.
 *   <li>Where {@code flock} fails as unsupported: {@code filelock}'s {@code SoftFileLock}
 *       protocol ({@link SoftLock}), the file's existence being the lock, deleted on release.
 * </ul>
 *
 * <p>In a cache shared by several users, lock files are made {@code rw-rw-r--}, the mode
 * {@code huggingface_hub} asks {@code filelock} for, so that the next user can lock them too. A
 * lock file this user cannot write (another user's, created under another umask) is still locked,
 * by an {@code flock} on a read-only descriptor, without the {@code fcntl} lock (which needs a
 * writable one). A lock file or directory this user cannot create is one {@link UserError} line
 * saying what to do.
 */
final class BlobLock implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(BlobLock.class);
    /** huggingface_hub's {@code FileLock(..., mode=0o664)}: group-writable, whatever the umask. */
    private static final Set<PosixFilePermission> LOCK_FILE_MODE = PosixFilePermissions.fromString("rw-rw-r--");

    /** Per lock file, the in-process lock and how many threads hold or wait for it. */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private static final Map<Path, Entry> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path key;
    private final Entry entry;
    private final AutoCloseable acrossProcesses;

    private BlobLock(Path key, Entry entry, AutoCloseable acrossProcesses) {
        this.key = key;
        this.entry = entry;
        this.acrossProcesses = acrossProcesses;
    }

    /**
     * Blocks until this thread holds the lock on {@code lockFile} (creating it and its
     * directories), logging if another thread or process holds it.
     *
     * @param what the blob's description, for the log line
     */
    static BlobLock acquire(Path lockFile, String what) {
        return acquire(lockFile, what, Flock.LIBC_FLOCKS);
    }

    /** As on a file system without {@code flock}, for tests of the soft lock on any file system. */
    static BlobLock acquireWithoutFlock(Path lockFile, String what) {
        return acquire(lockFile, what, Flock.UNSUPPORTED);
    }

    private static BlobLock acquire(Path lockFile, String what, Flock.Flocks flocks) {
        Path key = lockFile.toAbsolutePath().normalize();
        Entry entry = IN_PROCESS.compute(key, (k, e) -> {
            Entry held = e == null ? new Entry() : e;
            held.users++;
            return held;
        });
        boolean locked = false;
        try {
            if (!entry.lock.tryLock()) {
                LOG.info("Waiting for another download of {} in this process to finish", what);
                entry.lock.lockInterruptibly();
            }
            locked = true;
            return new BlobLock(key, entry, lockAcrossProcesses(key, what, flocks));
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (locked) {
                entry.lock.unlock();
            }
            release(key);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted while waiting for the lock " + key, e);
            }
            if (e instanceof AccessDeniedException denied) {
                throw notPermitted(key, denied);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot lock " + key + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * The flock and fcntl locks, or the soft lock where flock is unsupported. Starts over when
     * the lock file is deleted under it (by a recent {@code filelock} releasing its lock).
     */
    private static AutoCloseable lockAcrossProcesses(Path key, String what, Flock.Flocks flocks)
            throws IOException, InterruptedException {
        Files.createDirectories(key.getParent());
        boolean waited = false;
        while (true) {
            LockFile file;
            try {
                file = LockFile.open(key);
            } catch (NoSuchFileException deleted) {
                continue;
            }
            Flock flock = null;
            try {
                if (!Flock.available()) {
                    return new HardLock(null, file.channel, fcntl(file, key, what, waited));
                }
                flock = flocks.tryLock(key, file.writable());
                if (flock == null) {
                    waitingFor(what, key, waited);
                    waited = true;
                    flock = flocks.lock(key, file.writable());
                }
                if (!flock.isAt(key)) {
                    LOG.debug("{} was deleted or replaced while waiting for it; locking it anew", key);
                    flock.close();
                    file.close();
                    continue;
                }
                return new HardLock(flock, file.channel, fcntl(file, key, what, waited));
            } catch (Flock.Unsupported e) {
                return softLock(key, what, file, e);
            } catch (NoSuchFileException deleted) {
                file.close();
            } catch (IOException | RuntimeException e) {
                if (flock != null) {
                    flock.close();
                }
                file.close();
                throw e;
            }
        }
    }

    /**
     * As {@code huggingface_hub} does when flock raises ENOSYS. A lock file this process has just
     * created exclusively is already the soft lock; any other is waited for until it is deleted.
     */
    private static SoftLock softLock(Path key, String what, LockFile file, Flock.Unsupported why)
            throws IOException, InterruptedException {
        LOG.info("{}: this file system does not appear to support flock; using a soft lock (the lock file "
                + "exists while held), as huggingface_hub does", why.getMessage());
        if (file.created) {
            return SoftLock.created(key, file.channel);
        }
        file.close();
        return SoftLock.acquire(key, what);
    }

    /** The fcntl lock, for other mtl4j processes where there is no flock; none on a read-only file. */
    private static FileLock fcntl(LockFile file, Path key, String what, boolean waited) throws IOException {
        if (!file.writable()) {
            if (!Flock.available()) {
                throw new AccessDeniedException(key.toString(), null, "not writable by this user, and without "
                        + "libc's flock it can only be locked for writing");
            }
            LOG.debug("{} is not writable by this user: locked with flock only, as huggingface_hub locks it", key);
            return null;
        }
        FileLock fileLock = file.channel.tryLock();
        if (fileLock == null) {
            waitingFor(what, key, waited);
            fileLock = file.channel.lock();
        }
        return fileLock;
    }

    /** One line naming the path and what a user of a shared cache can do about it. */
    private static UserError notPermitted(Path key, AccessDeniedException denied) {
        Path hubCache = key.getParent().getParent().getParent();
        String reason = denied.getReason() == null ? "permission denied" : denied.getReason();
        return new UserError("cannot lock " + key + " for a download: " + denied.getFile() + ": " + reason
                + ". If the hub cache " + hubCache + " is shared, ask its owner to make it group-writable "
                + "(chmod -R g+w, and g+s on its directories); or set HF_HUB_CACHE (or HF_HOME) to a cache of your own",
                denied);
    }

    /** The lock file, opened for writing (and made group-writable), or else, another user's, not opened. */
    private record LockFile(FileChannel channel, boolean created) {
        static LockFile open(Path key) throws IOException {
            try {
                return new LockFile(writable(key, StandardOpenOption.CREATE_NEW), true);
            } catch (FileAlreadyExistsException exists) {
                // the usual case: an earlier download of the blob created it
            }
            try {
                return new LockFile(writable(key), false);
            } catch (AccessDeniedException notWritable) {
                return new LockFile(null, false);
            }
        }

        private static FileChannel writable(Path key, StandardOpenOption... create) throws IOException {
            FileChannel channel = create.length == 0
                    ? FileChannel.open(key, StandardOpenOption.WRITE)
                    : FileChannel.open(key, StandardOpenOption.WRITE, create[0]);
            try {
                Files.setPosixFilePermissions(key, LOCK_FILE_MODE);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("cannot make {} group-writable (another user's file?): {}", key, e.toString());
            }
            return channel;
        }

        boolean writable() {
            return channel != null;
        }

        void close() {
            closeQuietly(channel);
        }
    }

    /** The flock (null without libc), and the fcntl lock with its channel (null on a read-only file). */
    private record HardLock(Flock flock, FileChannel channel, FileLock fileLock) implements AutoCloseable {
        @Override
        public void close() {
            try {
                if (fileLock != null) {
                    fileLock.release();
                }
            } catch (IOException ignored) {
                // closing the channel releases it too
            } finally {
                closeQuietly(channel);
                if (flock != null) {
                    flock.close();
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            acrossProcesses.close();
        } catch (Exception e) {
            LOG.debug("releasing {}: {}", key, e.toString());
        } finally {
            entry.lock.unlock();
            release(key);
        }
    }

    private static void waitingFor(String what, Path key, boolean alreadySaid) {
        if (!alreadySaid) {
            LOG.info("Waiting for another process downloading {} to finish (lock {})", what, key);
        }
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
