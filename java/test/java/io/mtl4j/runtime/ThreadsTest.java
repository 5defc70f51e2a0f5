package io.mtl4j.runtime;

import io.mtl4j.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** More LibTorch threads than cores oversubscribe them (a 1000-thread typo crawled through the warm-up): said, not refused. */
class ThreadsTest {
    @AfterEach
    void restore() {
        Threads.use(0);
    }

    @Test
    void moreThreadsThanCoresAreWarnedAbout() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        StringWriter log = new StringWriter();
        try (AutoCloseable capture = LogCapture.into(log)) {
            Threads.use(cores);
        }
        assertFalse(log.toString().contains("--threads"), log.toString());
        try (AutoCloseable capture = LogCapture.into(log)) {
            Threads.use(cores * 4);
        }
        assertTrue(log.toString().contains("--threads " + cores * 4 + " is more than the " + cores + " cores"), log.toString());
    }
}
