package io.mtl4j.dist;

import org.bytedeco.pytorch.Store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every rank announces itself in the store and waits for all the others, so a rank that never
 * comes is named instead of leaving the job hanging.
 */
final class Rendezvous {
    private static final String ARRIVED = "mtl4j/arrived/";

    private Rendezvous() {
    }

    static void arrive(Store store, DistEnv env, Duration timeout) {
        String who = host() + " pid " + ProcessHandle.current().pid();
        try {
            store.set(ARRIVED + env.rank(), who);
        } catch (RuntimeException e) {
            throw new DistributedFailure("rank " + env.rank() + ": the rendezvous store at " + env.masterAddr() + ":"
                    + env.masterPort() + " failed: " + ProcessGroupCollectives.firstLine(e));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Integer> missing = missing(store, env);
            if (missing.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new DistributedFailure("rank " + env.rank() + ": rendezvous at " + env.masterAddr() + ":"
                        + env.masterPort() + " timed out after " + timeout.toSeconds() + " s: rank(s) "
                        + missing.stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + " of " + env.worldSize() + " did not arrive");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DistributedFailure("rank " + env.rank() + ": interrupted during the rendezvous");
            }
        }
    }

    private static List<Integer> missing(Store store, DistEnv env) {
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < env.worldSize(); r++) {
            try (org.bytedeco.pytorch.StringVector key = new org.bytedeco.pytorch.StringVector(ARRIVED + r)) {
                if (!store.check(key)) {
                    missing.add(r);
                }
            } catch (RuntimeException e) {
                throw new DistributedFailure("rank " + env.rank() + ": lost the rendezvous store at "
                        + env.masterAddr() + ":" + env.masterPort() + " (" + ProcessGroupCollectives.storeHost(env) + " died?): " + ProcessGroupCollectives.firstLine(e));
            }
        }
        return missing;
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "?";
        }
    }
}
