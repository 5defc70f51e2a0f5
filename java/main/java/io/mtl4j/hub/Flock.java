package io.mtl4j.hub;

import com.sun.jna.Library;
import com.sun.jna.LastErrorException;
import com.sun.jna.Platform;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A BSD {@code flock(2)} lock on a file, the kind Python's {@code filelock} takes for
 * {@code huggingface_hub}. Java's {@code FileChannel.lock} takes {@code fcntl} record locks,
 * which Linux keeps apart from {@code flock} locks, so only this one excludes a Python download.
 *
 * <p>An flock belongs to an open file description: two opens of one file conflict even inside
 * one process. Only on Linux and macOS, where libc has it; elsewhere {@link #available()} is false.
 */
final class Flock implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Flock.class);
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int LOCK_UN = 8;
    private static final int ENOENT = 2;
    private static final int EINTR = 4;
    private static final int EACCES = 13;
    private static final int EWOULDBLOCK = Platform.isMac() ? 35 : 11;
    private static final LibC LIBC = io.mtl4j.util.LibC.load(LibC.class, LOG,
            "the hub cache's blob locks exclude only other mtl4j processes");

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int flock(int fd, int operation) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int gethostname(byte[] name, int length) throws LastErrorException;
    }

    /**
     * How {@link BlobLock} takes flocks: {@link #LIBC}, or in tests {@link #UNSUPPORTED}, which acts
     * out a file system without them (the soft lock's path, testable on any file system).
     */
    interface Flocks {
        Flock tryLock(Path path, boolean writable) throws IOException;

        Flock lock(Path path, boolean writable) throws IOException;
    }

    static final Flocks LIBC_FLOCKS = new Flocks() {
        @Override
        public Flock tryLock(Path path, boolean writable) throws IOException {
            return Flock.tryLock(path, writable);
        }

        @Override
        public Flock lock(Path path, boolean writable) throws IOException {
            return Flock.lock(path, writable);
        }
    };

    static final Flocks UNSUPPORTED = new Flocks() {
        @Override
        public Flock tryLock(Path path, boolean writable) throws IOException {
            throw new Unsupported(path, "flock: Function not implemented (simulated)");
        }

        @Override
        public Flock lock(Path path, boolean writable) throws IOException {
            return tryLock(path, writable);
        }
    };

    private final int fd;

    private Flock(int fd) {
        this.fd = fd;
    }

    static boolean available() {
        return LIBC != null;
    }

    /** The file system refuses flock (some network file systems): the caller does without it. */
    static final class Unsupported extends IOException {
        private static final long serialVersionUID = 1L;

        Unsupported(Path path, LastErrorException cause) {
            super("flock on " + path + ": " + cause.getMessage(), cause);
        }

        Unsupported(Path path, String reason) {
            super("flock on " + path + ": " + reason);
        }
    }

    /**
     * Opens the existing file {@code path} and locks it exclusively, without waiting; null if
     * another open file description holds an flock on it. Not {@code writable}: opened read-only
     * (another user's lock file), which a local flock accepts.
     */
    static Flock tryLock(Path path, boolean writable) throws IOException {
        int fd = open(path, writable);
        try {
            LIBC.flock(fd, LOCK_EX | LOCK_NB);
            return new Flock(fd);
        } catch (LastErrorException e) {
            closeQuietly(fd);
            if (e.getErrorCode() == EWOULDBLOCK) {
                return null;
            }
            throw new Unsupported(path, e);
        }
    }

    /** Opens the existing file {@code path} and waits for an exclusive lock on it. */
    static Flock lock(Path path, boolean writable) throws IOException {
        int fd = open(path, writable);
        while (true) {
            try {
                LIBC.flock(fd, LOCK_EX);
                return new Flock(fd);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    closeQuietly(fd);
                    throw new Unsupported(path, e);
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            LIBC.flock(fd, LOCK_UN);
        } catch (LastErrorException ignored) {
            // closing the descriptor releases it too
        } finally {
            closeQuietly(fd);
        }
    }

    /**
     * Whether {@code path} still names the file this lock is on. Recent {@code filelock} versions
     * delete the lock file as they release it: a waiter's flock then succeeds on a deleted file
     * while the next process creates and locks a new one, so the waiter must start over.
     */
    boolean isAt(Path path) throws IOException {
        Map<String, Object> locked;
        try {
            locked = Files.readAttributes(Path.of("/dev/fd/" + fd), "unix:dev,ino,nlink");
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("cannot tell whether {} was replaced while waiting for it: {}", path, e.toString());
            return true;
        }
        Map<String, Object> named;
        try {
            named = Files.readAttributes(path, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        return ((Number) locked.get("nlink")).intValue() > 0
                && Objects.equals(locked.get("dev"), named.get("dev"))
                && Objects.equals(locked.get("ino"), named.get("ino"));
    }

    /** This host's name as {@code gethostname(2)} gives it (Python's {@code socket.gethostname()}). */
    static String hostname() {
        byte[] name = new byte[256];
        LIBC.gethostname(name, name.length);
        int length = 0;
        while (length < name.length && name[length] != 0) {
            length++;
        }
        return new String(name, 0, length, StandardCharsets.UTF_8);
    }

    private static int open(Path path, boolean writable) throws IOException {
        try {
            return LIBC.open(path.toString(), writable ? O_RDWR : O_RDONLY);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                throw new NoSuchFileException(path.toString(), null, "deleted as it was to be locked");
            }
            if (e.getErrorCode() == EACCES) {
                throw new AccessDeniedException(path.toString(), null, e.getMessage());
            }
            throw new IOException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            LIBC.close(fd);
        } catch (LastErrorException ignored) {
            // nothing was written through it
        }
    }
}
