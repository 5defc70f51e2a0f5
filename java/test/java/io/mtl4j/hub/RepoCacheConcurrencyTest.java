package io.mtl4j.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two processes (two ranks of {@code mtl4j launch}, say) filling one hub cache at once: what one
 * writes outside the blob lock must not fail or disturb the other. Threads stand in for the
 * processes; the file system sees the same calls.
 */
class RepoCacheConcurrencyTest {
    @TempDir
    Path hub;

    /**
     * Both ranks ask for a file the repo lacks and both record the {@code .no_exist} marker. The
     * second to create it must not fail: its "cannot write" error would replace the
     * {@link HubFileNotFoundError} (an optional file a caller passes over) with a crash.
     */
    @Test
    void twoWritersOfOneMissingMarkerBothSucceed() throws Exception {
        RepoCache cache = new RepoCache(hub, RepoId.model("org/tiny"));
        String commit = "a".repeat(40);
        int rounds = 2000;
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                results.add(pool.submit(() -> {
                    int failures = 0;
                    for (int i = 0; i < rounds; i++) {
                        if (i % 100 == 0) {
                            start.await(10, TimeUnit.SECONDS);
                        }
                        try {
                            cache.markMissing(commit, "dir" + i + "/tokenizer.json");
                        } catch (RuntimeException e) {
                            failures++;
                        }
                    }
                    return failures;
                }));
            }
            int failures = 0;
            for (Future<Integer> f : results) {
                failures += f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(0, failures, "markMissing failed when another writer created the marker first");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A rank that waited for the blob lock links the snapshot file again while the rank that
     * downloaded it already reads it. The reader must always find the file: a link deleted and
     * made anew leaves a moment with no file, which fails the reader's open.
     */
    @Test
    void relinkingASnapshotNeverHidesItFromAReader() throws Exception {
        RepoCache cache = new RepoCache(hub, RepoId.model("org/tiny"));
        String commit = "b".repeat(40);
        String etag = "c".repeat(40);
        Files.createDirectories(cache.blob(etag).getParent());
        Files.writeString(cache.blob(etag), "{\"hidden_size\": 8}", StandardCharsets.UTF_8);
        Path snapshot = cache.linkSnapshot(commit, "config.json", etag);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger misses = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    Files.readString(snapshot, StandardCharsets.UTF_8);
                } catch (Exception e) {
                    misses.incrementAndGet();
                }
            }
        });
        reader.start();
        try {
            for (int i = 0; i < 20000 && misses.get() == 0; i++) {
                cache.linkSnapshot(commit, "config.json", etag);
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertEquals(0, misses.get(), "a reader found no snapshot file while another process relinked it");
        assertTrue(Files.isSymbolicLink(snapshot) || Files.isRegularFile(snapshot));
        assertEquals("{\"hidden_size\": 8}", Files.readString(snapshot, StandardCharsets.UTF_8));
    }

    /**
     * A hub cache shared by two users ({@code HF_HOME} on a shared disk, as {@code huggingface_hub}
     * allows): {@code refs/main} is an ordinary 0644 file, not the 0600 of its temporary file, or
     * the other user's offline run cannot read which commit main is.
     */
    @Test
    void aRefIsReadableByAnotherUserOfASharedCache() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                hub.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        RepoCache cache = new RepoCache(hub, RepoId.model("org/tiny"));
        cache.writeRef("main", "d".repeat(40));
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
                Files.getPosixFilePermissions(cache.dir().resolve("refs").resolve("main"));
        assertTrue(perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                && perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
                "refs/main is " + java.nio.file.attribute.PosixFilePermissions.toString(perms));
        assertEquals("d".repeat(40), cache.knownCommit("main").orElseThrow());
    }
}
