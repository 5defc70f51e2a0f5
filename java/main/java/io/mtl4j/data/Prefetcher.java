package io.mtl4j.data;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a producer on a background thread, up to {@code depth} items ahead of the consumer.
 *
 * <p>Items cross threads only through a blocking queue, which publishes them safely: the producer
 * must hand over objects it no longer touches (e.g. freshly built batches), and keeps its own
 * mutable state (RNGs, cursors) to itself. A producer failure is rethrown by {@link #next()}, as
 * is, in the consumer's thread.
 */
public final class Prefetcher<T> implements AutoCloseable {
    private record Failure(Throwable error) {
    }

    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private volatile boolean closed;
    private Failure failure;

    public Prefetcher(String name, int depth, Supplier<? extends T> producer) {
        if (depth < 1) {
            throw new IllegalArgumentException("depth must be at least 1, got " + depth);
        }
        this.queue = new ArrayBlockingQueue<>(depth);
        this.thread = new Thread(() -> produce(producer), name);
        thread.setDaemon(true);
        thread.start();
    }

    private void produce(Supplier<? extends T> producer) {
        try {
            while (!closed) {
                T item = producer.get();
                queue.put(item);
            }
        } catch (InterruptedException e) {
            // closed
        } catch (Throwable t) {
            try {
                queue.put(new Failure(t));
            } catch (InterruptedException e) {
                // closed while reporting: nobody is waiting
            }
        }
    }

    /** The next item, waiting for it if the producer is behind. */
    @SuppressWarnings("unchecked")
    public T next() {
        if (failure != null) {
            throw rethrow(failure.error());
        }
        if (closed) {
            throw new IllegalStateException(thread.getName() + " is closed");
        }
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + thread.getName(), e);
        }
        if (item instanceof Failure f) {
            failure = f;
            throw rethrow(f.error());
        }
        return (T) item;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    /** Stops the producer and waits for its thread to end. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the producer thread is still running (false once closed and joined). */
    public boolean running() {
        return thread.isAlive();
    }
}
