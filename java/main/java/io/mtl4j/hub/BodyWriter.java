package io.mtl4j.hub;

import io.mtl4j.util.Hashing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Receives a content response: on 200 it rewrites the file from byte 0, on a 206 that starts
 * exactly at {@code offset} it appends; any other response body is discarded (its body is
 * {@code false}). Bytes are hashed and reported to the progress callback as they arrive, on the
 * HTTP client's thread, and {@link #lastActivityNanos()} lets the caller detect a stall.
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
    private MessageDigest digest;

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

    /** Stops receiving: cancels the body subscription, which closes the connection. */
    void abort() {
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

    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public HttpResponse.BodySubscriber<Boolean> apply(HttpResponse.ResponseInfo info) {
        lastActivity = System.nanoTime();
        boolean resume = info.statusCode() == 206 && offset > 0 && rangeStart(info) == offset;
        if (info.statusCode() != 200 && !resume) {
            return HttpResponse.BodySubscribers.replacing(false);
        }
        try {
            digest = Hashing.sha256();
            FileChannel channel;
            if (resume) {
                hashPrefix();
                channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
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

    private void hashPrefix() throws IOException {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
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
            try {
                for (ByteBuffer buffer : buffers) {
                    digest.update(buffer.duplicate());
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
                // the size and hash checks catch a file that did not reach the disk
            }
        }
    }
}
