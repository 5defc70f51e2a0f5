package io.mtl4j.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Receives a content response: on 200 it rewrites the file from byte 0, on a 206 that starts
 * exactly at {@code offset} it writes from byte {@code offset} on (positional writes, not
 * {@code APPEND}, so a byte can only land where it belongs); any other response body is
 * discarded (its body is {@code false}). Bytes are reported to the progress callback as they
 * arrive, on the HTTP client's thread, and {@link #lastActivityNanos()} lets the caller detect a
 * stall. The caller verifies the file on disk afterwards (size, sha256), not the stream.
 */
final class BodyWriter implements HttpResponse.BodyHandler<Boolean> {
    private static final Pattern CONTENT_RANGE_START = Pattern.compile("^bytes (\\d+)-");

    private final Path file;
    private final long offset;
    private final String filename;
    private final long total;
    private final DownloadProgress progress;
    private final long progressIntervalNanos;

    private volatile long lastActivity = System.nanoTime();
    private volatile long done;
    private volatile boolean wrote;
    private volatile IOException failure;
    private volatile Flow.Subscription subscription;
    private volatile boolean aborted;

    BodyWriter(Path file, long offset, String filename, long total, DownloadProgress progress, Duration progressInterval) {
        this.file = file;
        this.offset = offset;
        this.filename = filename;
        this.total = total;
        this.progress = progress;
        this.progressIntervalNanos = progressInterval.toNanos();
    }

    long lastActivityNanos() {
        return lastActivity;
    }

    /** Whether a body was written (a 200, or a 206 that resumed at the offset). */
    boolean wrote() {
        return wrote;
    }

    /** A write to the file that failed, if any; the transfer was then cancelled. */
    IOException failure() {
        return failure;
    }

    /**
     * Stops receiving: cancels the body subscription, which closes the connection, and drops
     * any buffer that still arrives, so nothing is written after the caller gave up.
     */
    void abort() {
        aborted = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    Path file() {
        return file;
    }

    long bytesOnDisk() {
        return done;
    }

    @Override
    public HttpResponse.BodySubscriber<Boolean> apply(HttpResponse.ResponseInfo info) {
        lastActivity = System.nanoTime();
        boolean resume = info.statusCode() == 206 && offset > 0 && rangeStart(info) == offset;
        if (info.statusCode() != 200 && !resume) {
            return HttpResponse.BodySubscribers.replacing(false);
        }
        try {
            FileChannel channel;
            if (resume) {
                channel = FileChannel.open(file, StandardOpenOption.WRITE);
                channel.position(offset);
                done = offset;
            } else {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                done = 0;
            }
            wrote = true;
            return HttpResponse.BodySubscribers.fromSubscriber(new Writer(channel), w -> true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static long rangeStart(HttpResponse.ResponseInfo info) {
        Matcher m = CONTENT_RANGE_START.matcher(info.headers().firstValue("Content-Range").orElse(""));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private final class Writer implements Flow.Subscriber<List<ByteBuffer>> {
        private final FileChannel channel;
        private long lastReport = System.nanoTime();

        Writer(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            BodyWriter.this.subscription = subscription;
            progress.update(filename, done, total);
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            lastActivity = System.nanoTime();
            if (aborted) {
                close();
                return;
            }
            try {
                for (ByteBuffer buffer : buffers) {
                    while (buffer.hasRemaining()) {
                        done += channel.write(buffer);
                    }
                }
            } catch (IOException e) {
                // Subscribers must not throw: record it for the waiting caller and stop.
                failure = e;
                subscription.cancel();
                close();
                return;
            }
            if (System.nanoTime() - lastReport >= progressIntervalNanos) {
                lastReport = System.nanoTime();
                progress.update(filename, done, total);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable throwable) {
            close();
        }

        @Override
        public void onComplete() {
            close();
            progress.update(filename, done, total);
        }

        private void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the size and sha256 checks of the file on disk catch a file that did not reach it
            }
        }
    }
}
