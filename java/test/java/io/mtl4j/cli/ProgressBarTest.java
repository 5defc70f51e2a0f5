package io.mtl4j.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void inALogFileTheFinishedBarIsOneLineWithCountAndRate() {
        try (ProgressBar bar = new ProgressBar("eval sst2 validation", 872, out, false)) {
            bar.step(500); // the first draw: at most every few seconds afterwards
            bar.step(372); // done: always drawn
        }
        String[] lines = printed().split("\n");
        assertEquals(2, lines.length, printed());
        assertTrue(lines[1].matches("eval sst2 validation \\[#{30}\\] 872/872 [0-9.]+/s ETA 0:00"), lines[1]);
        assertTrue(lines[0].startsWith("eval sst2 validation [#################-------------] 500/872 "), lines[0]);
    }

    @Test
    void onATerminalItRedrawsInPlaceAndErasesWhatALongerLineLeft() {
        try (ProgressBar bar = new ProgressBar("train", 10, out, true)) {
            bar.setSuffix("loss sst2 0.693 | lr 5.00e-05");
            bar.step(10);
        }
        String s = printed();
        assertTrue(s.startsWith("\rtrain [##############################] 10/10 "), s);
        assertTrue(s.contains(" loss sst2 0.693 | lr 5.00e-05\033[K"), s);
        assertTrue(s.endsWith("\033[K\n"), "closing leaves the cursor on a fresh line: " + s);
    }

    @Test
    void withoutAKnownTotalItCountsWithoutABarOrEta() {
        try (ProgressBar bar = new ProgressBar("predict sst2", -1, out, true)) {
            bar.step(256);
        }
        String s = printed();
        assertTrue(s.matches("(\\rpredict sst2 256 [0-9.]+/s\033\\[K)+\n"), s);
    }

    @Test
    void durationsReadAsClockTime() {
        assertEquals("0:07", ProgressBar.formatDuration(7));
        assertEquals("12:05", ProgressBar.formatDuration(725));
        assertEquals("2:00:01", ProgressBar.formatDuration(7201));
    }

    /** Draws a bar of two steps on stderr, as a command does. */
    static final class DrawsABar {
        public static void main(String[] args) {
            try (ProgressBar bar = new ProgressBar("probe", 2)) {
                bar.step(1);
                bar.step(1);
            }
        }
    }

    @Test
    void stderrRedirectedToAFileAtATerminalGetsLinesNotRedraws(@TempDir Path dir) throws Exception {
        // 'mtl4j train ... 2> train.log' typed at a terminal: stdin and stdout are the terminal, so
        // System.console() is there, but the bar goes to the file.
        Path script = Path.of("/usr/bin/script");
        Assumptions.assumeTrue(Files.isExecutable(script), "needs script(1) to run a command at a terminal");
        Path log = dir.resolve("stderr.log");
        String command = String.join(" ", quoted(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "-cp", quoted(System.getProperty("java.class.path")), quoted(DrawsABar.class.getName()), "2>" + quoted(log.toString()));
        Process p = new ProcessBuilder(script.toString(), "-qec", command, "/dev/null")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe finished");
        String written = Files.readString(log);
        assertTrue(written.contains("probe [##############################] 2/2 "), written);
        assertFalse(written.contains("\r") || written.contains("\033[K"), "no redraws or escape codes in a file: " + written);
    }

    private static String quoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
