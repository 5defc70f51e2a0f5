package io.mtl4j.hub;

import com.sun.jna.Library;
import com.sun.jna.LastErrorException;
import com.sun.jna.Platform;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.file.Path;

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
    private static final int O_RDWR = 2;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int LOCK_UN = 8;
    private static final int EINTR = 4;
    private static final int EWOULDBLOCK = Platform.isMac() ? 35 : 11;
    private static final LibC LIBC = io.mtl4j.util.LibC.load(LibC.class, LOG,
            "the hub cache's blob locks exclude only other mtl4j processes");

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int flock(int fd, int operation) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

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
    }

    /**
     * Opens the existing file {@code path} and locks it exclusively, without waiting; null if
     * another open file description holds an flock on it.
     */
    static Flock tryLock(Path path) throws IOException {
        int fd = open(path);
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
    static Flock lock(Path path) throws IOException {
        int fd = open(path);
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

    private static int open(Path path) throws IOException {
        try {
            return LIBC.open(path.toString(), O_RDWR);
        } catch (LastErrorException e) {
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
