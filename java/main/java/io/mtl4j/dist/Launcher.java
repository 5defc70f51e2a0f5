package io.mtl4j.dist;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts this node's ranks of a data-parallel job as child JVMs, with the variables torchrun
 * sets, and watches them: when one fails, the others get {@code grace} to stop on their own
 * (their collectives fail or time out), then SIGTERM, then SIGKILL. No job outlives a dead rank
 * by more than the grace plus the kill delay.
 */
public final class Launcher {
    private static final Logger LOG = LogManager.getLogger(Launcher.class);
    private static final Duration KILL_DELAY = Duration.ofSeconds(15);
    /** How long the relays may take to pass on what dead workers left in their pipes. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);

    /** The job: this node's share of it and where rank 0 listens. */
    public record Plan(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort, Duration grace) {
        public int worldSize() {
            return nprocPerNode * nnodes;
        }

        public int rank(int localRank) {
            return nodeRank * nprocPerNode + localRank;
        }
    }

    private final Plan plan;
    private final List<String> jvm;
    private final List<String> args;
    private final PrintStream err;
    private final List<Process> workers = new ArrayList<>();
    private final List<Thread> relays = new ArrayList<>();
    /** Set when the launcher itself was asked to stop: workers then exit by SIGTERM on purpose. */
    private volatile boolean stopping;

    /**
     * @param jvm  the worker JVM command up to and including the main class
     * @param args the worker's arguments (e.g. {@code train --config ...})
     */
    public Launcher(Plan plan, List<String> jvm, List<String> args, PrintStream err) {
        this.plan = plan;
        this.jvm = List.copyOf(jvm);
        this.args = List.copyOf(args);
        this.err = err;
    }

    /** Runs the workers to the end; returns 0 if all succeeded, else the first failure's exit code. */
    public int run() throws IOException, InterruptedException {
        Thread forward = new Thread(this::terminateAll, "mtl4j-launch-stop");
        Runtime.getRuntime().addShutdownHook(forward);
        try {
            for (int local = 0; local < plan.nprocPerNode(); local++) {
                workers.add(start(local));
            }
            int code = watch();
            drainRelays();
            return code;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(forward);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it stops the workers
            }
        }
    }

    private Process start(int local) throws IOException {
        int rank = plan.rank(local);
        List<String> command = new ArrayList<>(jvm);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("RANK", String.valueOf(rank));
        env.put("LOCAL_RANK", String.valueOf(local));
        env.put("WORLD_SIZE", String.valueOf(plan.worldSize()));
        env.put("LOCAL_WORLD_SIZE", String.valueOf(plan.nprocPerNode()));
        env.put("MASTER_ADDR", plan.masterAddr());
        env.put("MASTER_PORT", String.valueOf(plan.masterPort()));
        if (!env.containsKey("OMP_NUM_THREADS")) {
            // N workers on one node share its cores: without this each would start one thread per core.
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / plan.nprocPerNode());
            env.put("OMP_NUM_THREADS", String.valueOf(threads));
        }
        if (rank == plan.rank(0)) {
            pb.inheritIO(); // the first rank of the node draws the progress bar
        } else {
            pb.redirectErrorStream(true);
        }
        Process p = pb.start();
        if (rank != plan.rank(0)) {
            relay(p.getInputStream(), "[rank " + rank + "] ");
        }
        err.println("mtl4j launch: started rank " + rank + " of " + plan.worldSize() + ": pid " + p.pid());
        err.flush();
        return p;
    }

    private void relay(InputStream in, String prefix) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (err) {
                        err.println(prefix + line);
                    }
                }
            } catch (IOException e) {
                // the worker is gone
            }
        }, "mtl4j-launch-relay");
        t.setDaemon(true);
        t.start();
        relays.add(t);
    }

    /**
     * A worker's last lines (often the error that ended it) may still be in its pipe when it exits:
     * the launcher must not exit, taking the daemon relays with it, before they are printed. Bounded,
     * since a worker's own child may hold the pipe open.
     */
    private void drainRelays() throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        for (Thread t : relays) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, left / 1_000_000));
            }
        }
    }

    private int watch() throws InterruptedException {
        int firstFailure = 0;
        long giveUpAt = Long.MAX_VALUE;
        boolean terminated = false;
        boolean[] reported = new boolean[workers.size()];
        while (true) {
            boolean anyAlive = false;
            for (int i = 0; i < workers.size(); i++) {
                Process p = workers.get(i);
                if (p.isAlive()) {
                    anyAlive = true;
                    continue;
                }
                if (!reported[i]) {
                    reported[i] = true;
                    int code = p.exitValue();
                    if (stopping) {
                        err.println("mtl4j launch: rank " + plan.rank(i) + " stopped on request (exit code " + code + ")");
                    } else if (code != 0) {
                        err.println("mtl4j launch: rank " + plan.rank(i) + " (pid " + p.pid() + ") " + describe(code)
                                + (firstFailure == 0 ? "; the other ranks get " + plan.grace().toSeconds()
                                + " s to stop before they are terminated" : ""));
                        err.flush();
                        if (firstFailure == 0) {
                            firstFailure = code;
                            giveUpAt = System.nanoTime() + plan.grace().toNanos();
                        }
                    }
                }
            }
            if (!anyAlive) {
                return firstFailure;
            }
            long now = System.nanoTime();
            if (now > giveUpAt && !terminated) {
                err.println("mtl4j launch: terminating the remaining ranks (SIGTERM)");
                err.flush();
                workers.stream().filter(Process::isAlive).forEach(Process::destroy);
                terminated = true;
                giveUpAt = now + KILL_DELAY.toNanos();
            } else if (now > giveUpAt) {
                err.println("mtl4j launch: killing the remaining ranks (SIGKILL)");
                err.flush();
                workers.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
                giveUpAt = Long.MAX_VALUE;
            }
            Thread.sleep(100);
        }
    }

    static String describe(int code) {
        if (code > 128 && code < 160) {
            int signal = code - 128;
            String name = switch (signal) {
                case 9 -> "SIGKILL";
                case 15 -> "SIGTERM";
                case 6 -> "SIGABRT";
                case 11 -> "SIGSEGV";
                case 2 -> "SIGINT";
                default -> "signal " + signal;
            };
            return "was killed by " + name + " (exit code " + code + ")";
        }
        return "exited with code " + code;
    }

    /** On SIGTERM/Ctrl-C of the launcher: every worker gets SIGTERM (rank 0 saves), then we wait. */
    private void terminateAll() {
        stopping = true;
        List<Process> alive = workers.stream().filter(Process::isAlive).toList();
        if (alive.isEmpty()) {
            return;
        }
        LOG.warn("stopping {} worker(s)", alive.size());
        alive.forEach(Process::destroy);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        for (Process p : alive) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }
}
