package io.mtl4j.dist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gloo on 127.0.0.1 with two real processes: sums, rendezvous errors, a dying peer. */
class CollectivesTest {
    @TempDir
    Path dir;

    private static String finish(Process p, Path log, long seconds) throws Exception {
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertTrue(done, "the rank did not finish within " + seconds + " s:\n" + out);
        return out;
    }

    @Test
    void twoRanksSumTensorsAcrossBucketsAndNumbers() throws Exception {
        int port = DistProcesses.freePort();
        Process r0 = DistProcesses.rank(0, 2, port, dir.resolve("r0.log"), CollectivesProbe.class.getName(), List.of("sum", "60"));
        Process r1 = DistProcesses.rank(1, 2, port, dir.resolve("r1.log"), CollectivesProbe.class.getName(), List.of("sum", "60"));
        long n = 2 * ProcessGroupCollectives.BUCKET_ELEMENTS + 3;
        // Element i is i + rank on each rank: the sum is 2i + 1.
        String expected = "RESULT 1.0 " + (float) (2 * (n - 1) + 1) + " 3.0 1.0 true";
        for (Process p : List.of(r0, r1)) {
            Path log = dir.resolve(p == r0 ? "r0.log" : "r1.log");
            String out = finish(p, log, 120);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains(expected), "expected " + expected + " in:\n" + out);
        }
    }

    @Test
    void aRankThatNeverArrivesIsNamed() throws Exception {
        int port = DistProcesses.freePort();
        Process r0 = DistProcesses.rank(0, 3, port, dir.resolve("r0.log"), CollectivesProbe.class.getName(), List.of("sum", "4"));
        Process r2 = DistProcesses.rank(2, 3, port, dir.resolve("r2.log"), CollectivesProbe.class.getName(), List.of("sum", "4"));
        String out = finish(r0, dir.resolve("r0.log"), 90);
        assertEquals(3, r0.exitValue(), out);
        assertTrue(out.contains("rank(s) 1 of 3 did not arrive"), out);
        finish(r2, dir.resolve("r2.log"), 90);
    }

    @Test
    void aPeerThatDiesStopsTheOtherWithAnErrorNamingIt() throws Exception {
        int port = DistProcesses.freePort();
        Process r0 = DistProcesses.rank(0, 2, port, dir.resolve("r0.log"), CollectivesProbe.class.getName(), List.of("die", "20"));
        Process r1 = DistProcesses.rank(1, 2, port, dir.resolve("r1.log"), CollectivesProbe.class.getName(), List.of("die", "20"));
        String out = finish(r0, dir.resolve("r0.log"), 90);
        finish(r1, dir.resolve("r1.log"), 90);
        assertEquals(3, r0.exitValue(), out);
        assertTrue(out.contains("rank 0: all-reduce of the probe tensor failed"), out);
        assertTrue(out.contains("rank(s) 1 stopped responding"), out);
    }

    /** What torchrun's agent does: it hosts the store on MASTER_PORT before it starts the workers. */
    private static org.bytedeco.pytorch.TCPStore agentStore(int port) {
        io.mtl4j.runtime.NativeRuntime.ensureLoaded();
        org.bytedeco.pytorch.TCPStoreOptions options = new org.bytedeco.pytorch.TCPStoreOptions();
        options.port((short) port);
        options.isServer(true);
        options.waitWorkers(false);
        return new org.bytedeco.pytorch.TCPStore("127.0.0.1", options);
    }

    private static Map<String, String> torchrunAttempt(int restartCount) {
        return Map.of("TORCHELASTIC_USE_AGENT_STORE", "True", "TORCHELASTIC_RESTART_COUNT", String.valueOf(restartCount));
    }

    @Test
    void aWorkerRestartUnderTorchrunRendezvousesAgainInTheAgentsStore() throws Exception {
        int port = DistProcesses.freePort();
        org.bytedeco.pytorch.TCPStore agent = agentStore(port);
        // torchrun restarts every worker (--max-restarts) and keeps its store, with attempt 0's keys in it.
        for (int attempt = 0; attempt < 2; attempt++) {
            List<Process> ranks = new java.util.ArrayList<>();
            for (int r = 0; r < 2; r++) {
                ranks.add(DistProcesses.rank(r, 2, port, dir.resolve("a" + attempt + "r" + r + ".log"), List.of(),
                        torchrunAttempt(attempt), CollectivesProbe.class.getName(), List.of("sum", "20")));
            }
            try {
                for (int r = 0; r < 2; r++) {
                    String out = finish(ranks.get(r), dir.resolve("a" + attempt + "r" + r + ".log"), 90);
                    assertEquals(0, ranks.get(r).exitValue(), "attempt " + attempt + ", rank " + r + ":\n" + out);
                    assertTrue(out.contains("RESULT 1.0 "), out);
                }
            } finally {
                ranks.forEach(Process::destroyForcibly);
            }
        }
        agent.close();
    }
}
