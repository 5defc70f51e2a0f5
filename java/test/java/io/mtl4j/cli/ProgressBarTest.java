package io.mtl4j.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void durationsReadAsClockTime() {
        assertEquals("0:07", ProgressBar.formatDuration(7));
        assertEquals("12:05", ProgressBar.formatDuration(725));
        assertEquals("2:00:01", ProgressBar.formatDuration(7201));
    }
}
