package io.mtl4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Appends one JSON object per line to {@code RUN/metrics.jsonl}, flushed line by line, and on
 * disk ({@link #sync}) before each checkpoint, so the lines of every saved step survive a power loss.
 */
public final class MetricsLog implements AutoCloseable {
    public static final String FILE_NAME = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FileChannel channel;
    private final BufferedWriter out;

    public MetricsLog(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        out = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8));
    }

    private MetricsLog(BufferedWriter out) {
        this.channel = null;
        this.out = out;
    }

    /** A log that writes nothing: ranks other than 0 of a distributed run. */
    public static MetricsLog discard() {
        return new MetricsLog(new BufferedWriter(Writer.nullWriter()));
    }

    /** Forces the lines written so far to the disk. */
    public synchronized void sync() throws IOException {
        out.flush();
        if (channel != null) {
            channel.force(false);
        }
    }

    public synchronized void write(Map<String, Object> record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.newLine();
        out.flush();
    }

    /**
     * The lines of {@code task} (training and evaluation) in {@code runDir}'s metrics.jsonl, in order; none when
     * the file is not there. A line a crash cut short is left out.
     */
    public static List<JsonNode> taskLines(Path runDir, String task) {
        List<JsonNode> out = new ArrayList<>();
        Path file = runDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && task.equals(n.path("task").asText())) {
                    out.add(n);
                }
            } catch (IOException torn) {
                // the last line of a run killed mid-write
            }
        }
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
