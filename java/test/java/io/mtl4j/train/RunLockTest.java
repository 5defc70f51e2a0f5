package io.mtl4j.train;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunLockTest {
    @TempDir
    Path dir;

    /** Holds the lock of the directory given as argument until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            RunLock lock = RunLock.acquire(Path.of(args[0]));
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000);
            lock.close();
        }
    }

    @Test
    void aSecondLockInTheSameProcessIsRefusedUntilTheFirstIsReleased() throws Exception {
        RunLock first = RunLock.acquire(dir);
        UserError e = assertThrows(UserError.class, () -> RunLock.acquire(dir));
        assertTrue(e.getMessage().startsWith(dir + ": another mtl4j run is training in this directory (pid "
                + ProcessHandle.current().pid() + ")"), e.getMessage());
        first.close();
        first.close(); // closing twice is harmless
        RunLock.acquire(dir).close();
    }

    @Test
    void aLockOnAFileRemovedAndReplacedAtItsPathIsNotTheRunsLock() throws Exception {
        // What a process that opened the lock file just before a failed start removed it would hold.
        try (RunLock lock = RunLock.acquire(dir)) {
            Path file = dir.resolve(RunLock.FILE_NAME);
            assertTrue(lock.isTheFileAt(file));
            Files.delete(file);
            assertFalse(lock.isTheFileAt(file));
            Files.writeString(file, "4242424\n"); // another process's lock file now
            assertFalse(lock.isTheFileAt(file));
        }
    }

    private Process startHolder() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                Holder.class.getName(), dir.toString())).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", out.readLine());
        return holder;
    }

    @Test
    void anotherProcessHoldingTheLockIsNamedAndItsDeathReleasesIt() throws Exception {
        Process holder = startHolder();
        try {
            UserError e = assertThrows(UserError.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("(pid " + holder.pid() + ")"), e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        RunLock.acquire(dir).close(); // a killed holder leaves nothing locked
    }

    @Test
    void resumingALiveRunThatHasNoCheckpointYetSaysItIsTrainingNotThatItStopped() throws Exception {
        Files.writeString(dir.resolve(MetricsLog.FILE_NAME), "{\"step\":1}\n");
        Process holder = startHolder();
        try {
            UserError e = assertThrows(UserError.class, () -> Checkpoints.newestResumable(dir));
            assertEquals(dir + ": another mtl4j run is training in this directory (pid " + holder.pid()
                    + "); wait for it to finish or stop it first", e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        UserError e = assertThrows(UserError.class, () -> Checkpoints.newestResumable(dir));
        assertTrue(e.getMessage().endsWith("the run stopped before its first checkpoint: start it again with --output " + dir),
                e.getMessage());
    }
}
