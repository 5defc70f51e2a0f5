package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The hub cache's blob lock against what huggingface_hub does with the same lock file: a cache
 * shared by several users (lock files group-writable, a read-only one still locked), and a file
 * system without flock (filelock's SoftFileLock: the file's existence is the lock).
 */
class BlobLockTest {
    @TempDir
    Path tmp;

    private Path lockFile() {
        return tmp.resolve("hub/.locks/models--acme--tiny-bert/some-etag.lock");
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    @Test
    void aNewLockFileIsGroupWritableAsHuggingfaceHubCreatesIt() throws Exception {
        try (BlobLock lock = BlobLock.acquire(lockFile(), "a blob")) {
            assertEquals("rw-rw-r--", mode(lockFile()), "the next user of a shared cache must be able to lock it");
        }
        assertTrue(Files.exists(lockFile()), "an flock's lock file stays");
    }

    @Test
    void anOlderLockFileOfThisUserIsMadeGroupWritable() throws Exception {
        Files.createDirectories(lockFile().getParent());
        Files.createFile(lockFile(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        try (BlobLock lock = BlobLock.acquire(lockFile(), "a blob")) {
            assertEquals("rw-rw-r--", mode(lockFile()));
        }
    }

    /** Another user's lock file, readable but not writable by this one: flock alone locks it. */
    @Test
    void aLockFileThisUserCannotWriteIsStillLocked() throws Exception {
        assumeFalse(root(), "root may write any file");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "needs util-linux's flock(1)");
        Files.createDirectories(lockFile().getParent());
        Files.createFile(lockFile(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--")));
        try (BlobLock lock = BlobLock.acquire(lockFile(), "a blob")) {
            assertEquals(1, flockNonBlocking(lockFile()), "flock(1) got the lock mtl4j holds");
        }
        assertEquals(0, flockNonBlocking(lockFile()), "the lock was not released");
        assertEquals("r--r--r--", mode(lockFile()), "another user's file is left as it is");
    }

    @Test
    void aLockDirectoryThisUserCannotWriteIsOneLineSayingWhatToDo() throws Exception {
        assumeFalse(root(), "root may write any directory");
        Path locks = tmp.resolve("hub/.locks");
        Files.createDirectories(locks);
        Files.setPosixFilePermissions(locks, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            UserError e = assertThrows(UserError.class, () -> BlobLock.acquire(lockFile(), "a blob"));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().contains(locks.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("HF_HUB_CACHE"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(locks, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void withoutFlockTheLockIsTheFileWhichIsDeletedOnRelease() throws Exception {
        try (BlobLock lock = BlobLock.acquireWithoutFlock(lockFile(), "a blob")) {
            assertEquals(ProcessHandle.current().pid() + "\n" + hostname() + "\n",
                    Files.readString(lockFile()), "filelock's SoftFileLock writes pid and host, for stale locks");
        }
        assertFalse(Files.exists(lockFile()), "a soft lock is released by deleting its file");
    }

    /** A soft lock whose file another live process (here: this one) wrote is waited for until it is gone. */
    @Test
    void withoutFlockAnExistingLockFileIsWaitedFor() throws Exception {
        Files.createDirectories(lockFile().getParent());
        Files.writeString(lockFile(), ProcessHandle.current().pid() + "\n" + hostname() + "\n");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiting = pool.submit(() -> {
                BlobLock.acquireWithoutFlock(lockFile(), "a blob").close();
                return null;
            });
            assertThrows(TimeoutException.class, () -> waiting.get(700, TimeUnit.MILLISECONDS),
                    "took a soft lock that exists");
            Files.delete(lockFile());
            waiting.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    /** As filelock does: a soft lock of a process of this host that no longer runs is broken. */
    @Test
    void withoutFlockTheSoftLockOfADeadProcessOnThisHostIsBroken() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        assertTrue(dead.waitFor(10, TimeUnit.SECONDS));
        Files.createDirectories(lockFile().getParent());
        Files.writeString(lockFile(), dead.pid() + "\n" + hostname() + "\n");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            pool.submit(() -> {
                BlobLock.acquireWithoutFlock(lockFile(), "a blob").close();
                return null;
            }).get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertFalse(Files.exists(lockFile()));
    }

    /**
     * filelock (recent versions) deletes its lock file when it releases it. A waiter whose flock then
     * succeeds holds it on the deleted file while the next process locks a new one: it must start over.
     */
    @Test
    void aLockFileDeletedWhileWaitingIsLockedAnew() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "needs util-linux's flock(1)");
        Files.createDirectories(lockFile().getParent());
        Process first = holdFlock(lockFile());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Process second = null;
        try {
            Future<?> waiting = pool.submit(() -> {
                BlobLock.acquire(lockFile(), "a blob").close();
                return null;
            });
            assertThrows(TimeoutException.class, () -> waiting.get(500, TimeUnit.MILLISECONDS));
            Files.delete(lockFile());
            second = holdFlock(lockFile());
            first.getOutputStream().close();
            assertTrue(first.waitFor(10, TimeUnit.SECONDS));
            assertThrows(TimeoutException.class, () -> waiting.get(700, TimeUnit.MILLISECONDS),
                    "locked the deleted lock file while another process holds the new one");
            second.getOutputStream().close();
            waiting.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
            first.destroy();
            if (second != null) {
                second.destroy();
            }
        }
    }

    /** flock(1) on {@code file} (creating it), held until the process's stdin closes. */
    private static Process holdFlock(Path file) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/flock", "--exclusive", file.toString(),
                "sh", "-c", "echo locked; cat > /dev/null").redirectErrorStream(true).start();
        byte[] line = new byte[7];
        assertEquals(7, p.getInputStream().readNBytes(line, 0, 7));
        assertEquals("locked\n", new String(line, StandardCharsets.UTF_8));
        return p;
    }

    private static int flockNonBlocking(Path file) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/flock", "--nonblock", "--conflict-exit-code", "1", file.toString(), "true")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue();
    }

    private static String hostname() throws Exception {
        Path proc = Path.of("/proc/sys/kernel/hostname");
        assumeTrue(Files.isReadable(proc), "needs Linux's /proc/sys/kernel/hostname");
        return Files.readString(proc).strip();
    }
}
