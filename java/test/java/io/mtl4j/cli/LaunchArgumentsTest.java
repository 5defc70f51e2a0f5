package io.mtl4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mtl4j launch} arguments that cannot make a job are refused before any worker starts. */
class LaunchArgumentsTest {
    @Test
    void severalNodesWithoutAMasterAddressAreRefusedInsteadOfWaitingOutTheTimeout() throws Exception {
        int port = io.mtl4j.dist.DistProcesses.freePort();
        // --master-addr defaults to 127.0.0.1: node 1's workers would look for rank 0 on their own host.
        CliRunner r = CliRunner.run("launch", "--nnodes", "2", "--node-rank", "1", "--nproc-per-node", "1",
                "--master-port", String.valueOf(port), "--grace", "0",
                "train", "--model", "no-such-model", "--data", "no-such-data", "--tasks", "sst2", "--output", "unused", "--dist-timeout", "3");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--nnodes 2 needs --master-addr"), r.err());
    }
}
