package io.mtl4j.dist;

import org.bytedeco.pytorch.Store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Each rank bumps a counter in the store every second from a daemon thread, on its own store
 * connection. When a collective fails, the counters that stopped moving name the dead or hung
 * ranks; if the store itself is gone, its host (rank 0, or torchrun's agent) is the one that died.
 */
final class Heartbeat implements AutoCloseable {
    static final long INTERVAL_MS = 1000;
    private static final String KEY = "mtl4j/heartbeat/";

    private final Store store;
    private final DistEnv env;
    private final Thread thread;
    private volatile boolean running = true;

    private Heartbeat(Store store, DistEnv env) {
        this.store = store;
        this.env = env;
        this.thread = new Thread(this::beat, "mtl4j-heartbeat");
        thread.setDaemon(true);
    }

    static Heartbeat start(Store store, DistEnv env) {
        Heartbeat h = new Heartbeat(store.clone(), env);
        h.thread.start();
        return h;
    }

    private void beat() {
        while (running) {
            try {
                store.add(KEY + env.rank(), 1);
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                return; // the store is gone: the job is ending
            }
        }
    }

    /** "rank(s) 1, 2 stopped responding", after watching the counters for {@code window}. */
    synchronized String silentRanks(Duration window) {
        long[] before = counters();
        if (before == null) {
            return ProcessGroupCollectives.storeHost(env) + " (host of the rendezvous store) is unreachable: it died or hung";
        }
        try {
            Thread.sleep(window.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long[] after = counters();
        if (after == null) {
            return ProcessGroupCollectives.storeHost(env) + " (host of the rendezvous store) stopped responding";
        }
        List<Integer> silent = new ArrayList<>();
        for (int r = 0; r < before.length; r++) {
            if (r != env.rank() && after[r] == before[r]) {
                silent.add(r);
            }
        }
        return silent.isEmpty() ? "every rank's heartbeat is still alive: a rank stalled, failed on its own,"
                + " or was still busy (rank 0 evaluating or saving takes the others' wait); if so, raise --dist-timeout"
                : "rank(s) " + silent.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " stopped responding";
    }

    private long[] counters() {
        long[] counts = new long[env.worldSize()];
        try {
            Store reader = store.clone();
            for (int r = 0; r < counts.length; r++) {
                counts[r] = reader.add(KEY + r, 0);
            }
            return counts;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
