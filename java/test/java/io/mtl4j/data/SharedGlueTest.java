package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads the real GLUE copies in ../shared/glue; skipped when ../shared is absent. */
class SharedGlueTest {
    Path glue;

    /** Per test (not @BeforeAll), so each test is reported as skipped, with the reason. */
    @BeforeEach
    void findShared() {
        String home = System.getProperty("mtl4j.home", ".");
        glue = Path.of(home, "..", "shared", "glue").normalize();
        assumeTrue(Files.isDirectory(glue), "no shared GLUE data at " + glue + "; skipping");
    }

    @Test
    void sst2CountsMatchTheDataset() {
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        SplitLocator source = new SplitLocator(glue);
        SplitData train = SplitLoader.load(source, sst2, "train", BadRowPolicy.ERROR);
        assertEquals(67_349, train.examples().size());
        assertArrayEquals(new long[] {29_780, 37_569}, train.labelCounts(2));
        assertEquals(0, train.skipped().count());
        SplitData dev = SplitLoader.load(source, sst2, "validation", BadRowPolicy.ERROR);
        assertEquals(872, dev.examples().size());
        assertArrayEquals(new long[] {428, 444}, dev.labelCounts(2));
    }

    @Test
    void mnliAndQqpReadWithoutBadRows() {
        TaskRegistry reg = TaskRegistry.glue();
        SplitLocator source = new SplitLocator(glue);
        SplitData mnli = SplitLoader.load(source, reg.get("mnli"), "validation_matched", BadRowPolicy.ERROR);
        assertEquals(9_815, mnli.examples().size());
        assertEquals(9_815, java.util.Arrays.stream(mnli.labelCounts(3)).sum());
        SplitData qqp = SplitLoader.load(source, reg.get("qqp"), "train", BadRowPolicy.ERROR);
        assertEquals(5_195, qqp.examples().size());
    }

    /** The real SST-2 train split through the cache; its load time is measured by {@code mtl4j bench data}. */
    @Test
    void sst2TrainIsServedFromTheTokenCache(@org.junit.jupiter.api.io.TempDir Path cacheDir) {
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        SplitData train = SplitLoader.load(new SplitLocator(glue), sst2, "train", BadRowPolicy.ERROR);
        TokenizedSplitsTest.CharEncoder enc = new TokenizedSplitsTest.CharEncoder(); // ~1 token per character
        java.util.List<TokenizedExample> built = TokenizedSplits.cached(cacheDir, "chars", 512, sst2, train, enc);
        java.util.List<TokenizedExample> loaded = TokenizedSplits.cached(cacheDir, "chars", 512, sst2, train, enc);
        assertEquals(1, enc.calls, "second call is served from the cache");
        assertEquals(built, loaded);
    }
}
