package io.mtl4j.hub;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The lock {@code huggingface_hub} falls back to where the file system has no {@code flock}
 * ({@code filelock.SoftFileLock}): the lock file's existence is the lock. It is created
 * exclusively ({@code O_CREAT|O_EXCL}), holds {@code "<pid>\n<hostname>\n"}, and is deleted on
 * release. Like {@code SoftFileLock}, a lock file whose writer ran on this host and is gone is
 * broken; any other one (an older mtl4j's, empty, or another host's) is waited for, with a log
 * line every {@link #LOG_EVERY_MILLIS} that names the file to delete if no download is running.
 */
final class SoftLock implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(SoftLock.class);
    static final long POLL_MILLIS = 100;
    static final long LOG_EVERY_MILLIS = 10_000;

    private final Path file;
    private final FileChannel channel;

    private SoftLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Takes the lock as its creator: {@code channel} was opened on {@code file} with CREATE_NEW. */
    static SoftLock created(Path file, FileChannel channel) throws IOException {
        SoftLock lock = new SoftLock(file, channel);
        String owner = ProcessHandle.current().pid() + "\n" + Flock.hostname() + "\n";
        try {
            channel.write(ByteBuffer.wrap(owner.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    /** Waits until {@code file} does not exist, then creates it: the lock is then this process's. */
    static SoftLock acquire(Path file, String what) throws IOException, InterruptedException {
        long started = System.nanoTime();
        long nextLog = 0;
        while (true) {
            try {
                return created(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            } catch (FileAlreadyExistsException held) {
                if (breakIfStale(file)) {
                    continue;
                }
                long waited = (System.nanoTime() - started) / 1_000_000;
                if (waited >= nextLog) {
                    logWaiting(what, file, waited);
                    nextLog = waited + LOG_EVERY_MILLIS;
                }
                Thread.sleep(POLL_MILLIS);
            }
        }
    }

    private static void logWaiting(String what, Path file, long waitedMillis) {
        LOG.info("Waiting {} s for another process downloading {}: its lock file {} exists (a soft lock: this file "
                        + "system has no flock). If no download of it is running (a crashed one, or an older mtl4j, "
                        + "which left its lock files in place), delete {}",
                waitedMillis / 1000, what, file, file);
    }

    /**
     * Deletes {@code file} if it names a process of this host that no longer runs, as
     * {@code SoftFileLock} does: renamed aside first, so that of two breakers only one deletes it.
     */
    private static boolean breakIfStale(Path file) {
        try {
            List<String> lines = Files.readString(file, StandardCharsets.UTF_8).strip().lines().toList();
            if (lines.size() != 2 || !lines.get(1).equals(Flock.hostname())) {
                return false;
            }
            long pid = Long.parseLong(lines.get(0));
            if (ProcessHandle.of(pid).isPresent()) {
                return false;
            }
            Path aside = file.resolveSibling(file.getFileName() + ".break." + ProcessHandle.current().pid());
            Files.move(file, aside);
            Files.delete(aside);
            LOG.info("Deleted the stale lock file {}: process {} of this host, which wrote it, is gone", file, pid);
            return true;
        } catch (NoSuchFileException gone) {
            return true;
        } catch (IOException | NumberFormatException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the pid and host were written; the file's existence is what matters
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Cannot delete the lock file {} ({}): other downloads of it wait until it is deleted", file,
                    e.getMessage());
        }
    }
}
