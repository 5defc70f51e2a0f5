package io.mtl4j.dist;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher's relay of the other ranks' output, with shell commands as workers (no JVM, no training). */
class LauncherOutputTest {
    /** A sink slower than the worker (as a terminal or a busy log collector can be): each line takes a millisecond. */
    private static final class SlowStream extends PrintStream {
        SlowStream(ByteArrayOutputStream out) {
            super(out, true, StandardCharsets.UTF_8);
        }

        @Override
        public void println(String line) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.println(line);
        }
    }

    @Test
    void runReturnsOnlyOnceTheOtherRanksLastLinesAreRelayed() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new SlowStream(bytes);
        // Rank 1 writes a burst (it fits in the pipe) and its last words, then exits at once.
        String script = "if [ \"$RANK\" = 1 ]; then seq 1 2000; echo 'rank 1: last words'; exit 3; fi; exit 0";
        Launcher.Plan plan = new Launcher.Plan(2, 1, 0, "127.0.0.1", 29500, Duration.ofSeconds(5));
        int code = new Launcher(plan, List.of("sh", "-c", script), List.of(), err).run();
        String out;
        synchronized (err) {
            out = bytes.toString(StandardCharsets.UTF_8);
        }
        assertEquals(3, code, out);
        assertTrue(out.contains("[rank 1] rank 1: last words"), "rank 1's last line was not relayed:\n"
                + out.substring(Math.max(0, out.length() - 500)));
    }
}
