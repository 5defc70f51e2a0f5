package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.dist.DistProcesses;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed (SIGKILL: the OOM killer, a cluster's preemption) while it writes a split's token
 * cache: the next run must read or rebuild the split, and the half-written temporary file must not
 * stay in the cache for ever once no run can be writing it.
 */
class TokenCacheKillTest {
    @TempDir
    Path dir;

    /** The child: writes one large cache file over and over until killed. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String key = args[1];
        List<TokenizedExample> examples = new ArrayList<>();
        int[] ids = new int[64];
        int[] types = new int[64];
        for (int i = 0; i < 200_000; i++) {
            examples.add(new TokenizedExample(ids, types, 0, Float.NaN));
        }
        Files.writeString(file.resolveSibling("child-ready"), "");
        while (true) {
            TokenCache.write(file, key, examples);
        }
    }

    @Test
    void aWriterKilledMidWriteLeavesACacheTheNextRunUsesAndNoLeftoverForEver() throws Exception {
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        Path data = dir.resolve("glue");
        Files.createDirectories(data.resolve("sst2"));
        Files.writeString(data.resolve("sst2/train.jsonl"), "{\"sentence\": \"fine\", \"label\": 1, \"idx\": 0}\n");
        SplitData train = SplitLoader.load(new SplitLocator(data), sst2, "train", BadRowPolicy.ERROR);
        Path cache = dir.resolve("cache");
        String key = TokenCache.key("fp", train.file(), train.fileSha256(), 128, sst2);
        Path file = TokenizedSplits.cacheFile(cache, sst2, "train", 128, key);
        Files.createDirectories(file.getParent());

        Process child = new ProcessBuilder(DistProcesses.java(), "-Xmx512m", "-cp", DistProcesses.classpath(),
                TokenCacheKillTest.class.getName(), file.toString(), key)
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (leftovers(file.getParent()).isEmpty() && System.nanoTime() < deadline && child.isAlive()) {
                Thread.sleep(2);
            }
            assertFalse(leftovers(file.getParent()).isEmpty(), "the child never wrote: " + Files.readString(dir.resolve("child.log")));
        } finally {
            child.destroyForcibly(); // SIGKILL, mid-write
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        List<Path> left = leftovers(file.getParent());
        assertFalse(left.isEmpty(), "a killed writer leaves its temporary file");

        // The next run: whatever the killed one left, it reads or rebuilds the split.
        TokenizedSplitsTest.CharEncoder enc = new TokenizedSplitsTest.CharEncoder();
        List<TokenizedExample> examples = TokenizedSplits.cached(cache, "fp", 128, sst2, train, enc);
        assertEquals(1, examples.size());
        assertEquals(1, examples.get(0).label());

        // A day later, no run can be writing that file any more: the next use of the split removes it,
        // and one named as temporary files were before (<name>.tok<digits>.tmp).
        Files.writeString(file.resolveSibling(file.getFileName() + "4242.tmp"), "killed before");
        for (Path p : leftovers(file.getParent())) {
            Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - TimeUnit.DAYS.toMillis(1)));
        }
        Path live = Files.writeString(file.getParent().resolve("." + file.getFileName() + "999"
                + io.mtl4j.util.AtomicFiles.TEMP_SUFFIX), "a write in progress");
        TokenizedSplits.cached(cache, "fp", 128, sst2, train, enc);
        assertEquals(List.of(live), leftovers(file.getParent()),
                "the killed writer's temporary file stays in the cache; a live writer's must stay");
        assertEquals(examples, TokenCache.read(file, key));
    }

    /** Everything in the task's cache directory but cache files and the child's marker. */
    private static List<Path> leftovers(Path taskDir) throws Exception {
        try (Stream<Path> s = Files.list(taskDir)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".tok")
                    && !p.getFileName().toString().equals("child-ready")).sorted().toList();
        }
    }
}
