package io.mtl4j.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * Standard output that remembers why a write failed. A PrintWriter only records that one did;
 * a reader that closed the pipe ({@code mtl4j predict ... | head}) is not an error worth a message,
 * a full disk is.
 */
final class StdoutWriter extends PrintWriter {
    private final Recorder recorder;

    private StdoutWriter(Recorder recorder) {
        // UTF-8 whatever the locale: under LANG=C (or none) Java 17's default charset is US-ASCII,
        // which would print a label such as "négatif" in predict's JSON lines as "n?gatif".
        super(new java.io.OutputStreamWriter(recorder, java.nio.charset.StandardCharsets.UTF_8), true);
        this.recorder = recorder;
    }

    static StdoutWriter open() {
        return over(new FileOutputStream(FileDescriptor.out));
    }

    static StdoutWriter over(OutputStream stdout) {
        return new StdoutWriter(new Recorder(stdout));
    }

    /** Why the first write failed, e.g. "No space left on device"; null if none did. */
    String failure() {
        return recorder.failure == null ? null : recorder.failure.getMessage();
    }

    boolean readerClosedThePipe() {
        return recorder.failure != null && String.valueOf(recorder.failure.getMessage()).contains("Broken pipe");
    }

    private static final class Recorder extends FilterOutputStream {
        private IOException failure;

        Recorder(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
                throw e;
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }
    }
}
