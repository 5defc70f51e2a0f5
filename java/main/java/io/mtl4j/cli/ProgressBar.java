package io.mtl4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line progress bar on stderr with rate and ETA. On a terminal it redraws in place; when
 * stderr is a file or pipe it prints a line at most every few seconds.
 */
public final class ProgressBar implements AutoCloseable {
    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private long done;
    private long startDone;
    private String suffix = "";

    /** A bar for {@code total} units; a negative total (not known ahead, as of stdin) shows the count and rate alone. */
    public ProgressBar(String label, long total) {
        this(label, total, System.err, stderrIsATerminal());
    }

    /**
     * Whether stderr, where the bars go, is a terminal. System.console() only says that stdin and
     * stdout are: with {@code 2> train.log} typed at a terminal the file would fill with redraws.
     */
    static boolean stderrIsATerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null; // no /proc (not Linux): the closest Java 17 can tell
        }
    }

    /** A bar that draws nothing: for ranks other than 0 in a distributed run. */
    public static ProgressBar silent(String label, long total) {
        return new ProgressBar(label, total, new PrintStream(java.io.OutputStream.nullOutputStream()), false);
    }

    ProgressBar(String label, long total, PrintStream out, boolean interactive) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.interactive = interactive;
    }

    public void step(long n) {
        done += n;
        long now = System.nanoTime();
        long interval = interactive ? 100_000_000L : 5_000_000_000L;
        if (now - lastDrawNanos >= interval || (total >= 0 && done >= total)) {
            lastDrawNanos = now;
            draw(now);
        }
    }

    /** Starts from {@code n} already done (a resumed run) without counting them in the rate. */
    public void resumeAt(long n) {
        done = n;
        startDone = n;
    }

    public void setSuffix(String suffix) {
        this.suffix = suffix;
    }

    private void draw(long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = (done - startDone) / seconds;
        if (total < 0) {
            String line = String.format(Locale.ROOT, "%s %d %.1f/s%s", label, done, rate, suffix.isEmpty() ? "" : " " + suffix);
            out.print(interactive ? "\r" + line + "\033[K" : line + System.lineSeparator());
            out.flush();
            return;
        }
        double fraction = total > 0 ? Math.min(1.0, (double) done / total) : 0;
        int width = 30;
        int filled = (int) Math.round(fraction * width);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        long eta = rate > 0 ? Math.round((total - done) / rate) : -1;
        String line = String.format(Locale.ROOT, "%s [%s] %d/%d %.1f/s ETA %s%s", label, bar, done, total, rate,
                eta < 0 ? "?" : formatDuration(eta), suffix.isEmpty() ? "" : " " + suffix);
        if (interactive) {
            // erase to the end of the line: another bar (eval inside train) may have drawn a longer one
            out.print("\r" + line + "\033[K");
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String formatDuration(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    @Override
    public void close() {
        if (interactive) {
            draw(System.nanoTime());
            out.println();
        }
    }
}
