package io.mtl4j.cli;

import io.mtl4j.dist.DistEnv;
import io.mtl4j.dist.Launcher;
import io.mtl4j.util.ThisJvm;
import io.mtl4j.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mtl4j launch}: starts this node's ranks of a data-parallel job and watches them. */
@Command(name = "launch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Starts N data-parallel worker processes on this node, as torchrun does.",
                "Each runs the given mtl4j command with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and",
                "MASTER_PORT set. Workers rendezvous",
                "through a c10d TCPStore hosted by rank 0 and train data-parallel (Gloo on CPU, NCCL on CUDA).",
                "",
                "Rank 0 (the first worker of node 0) prints the progress bar and writes the run; other workers'",
                "output is prefixed with [rank R]. If a worker dies, the others get --grace seconds to stop on",
                "their own (their collectives fail, or time out after train's --dist-timeout), then SIGTERM,",
                "then SIGKILL; the launcher exits with the failed worker's code. SIGTERM or Ctrl-C to the",
                "launcher reaches every worker, and rank 0 saves a checkpoint before exiting.",
                "",
                "OMP_NUM_THREADS defaults to the node's cores / N.",
                "",
                "Examples:",
                "  one machine, 2 workers on CPU (Gloo):",
                "    mtl4j launch --nproc-per-node 2 train --config configs/minilm-cpu.yaml --output runs/dp",
                "  one node with 8 GPUs (NCCL, one GPU per worker: cuda:LOCAL_RANK):",
                "    mtl4j launch --nproc-per-node 8 train --config configs/glue-bert-large.yaml --output runs/l8",
                "  two nodes: run on each, with --node-rank 0 and 1:",
                "    mtl4j launch --nnodes 2 --node-rank 0 --nproc-per-node 8 --master-addr node0 \\",
                "        --master-port 29500 train --config configs/glue-bert-large.yaml --output /shared/runs/l16",
                ""})
public final class LaunchCommand implements Callable<Integer> {
    @Option(names = "--nproc-per-node", paramLabel = "N", required = true, description = "Workers on this node.")
    int nprocPerNode;
    @Option(names = "--nnodes", paramLabel = "M", defaultValue = "1", description = "Nodes in the job (default ${DEFAULT-VALUE}).")
    int nnodes;
    @Option(names = "--node-rank", paramLabel = "R", defaultValue = "0", description = "This node's index, 0..M-1 (default ${DEFAULT-VALUE}).")
    int nodeRank;
    @Option(names = "--master-addr", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Host of rank 0 (node 0), reachable from every node (default ${DEFAULT-VALUE}).")
    String masterAddr;
    @Option(names = "--master-port", paramLabel = "PORT", defaultValue = "" + DistEnv.DEFAULT_PORT,
            description = "Port of rank 0's rendezvous store (default ${DEFAULT-VALUE}).")
    int masterPort;
    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "60",
            description = "After a worker fails, how long the others may take to stop by themselves (default ${DEFAULT-VALUE}).")
    long graceSeconds;
    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The mtl4j command each worker runs, e.g. train --config ...")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (nprocPerNode < 1) {
            throw new UserError("--nproc-per-node must be at least 1, got " + nprocPerNode);
        }
        if (nnodes < 1 || nodeRank < 0 || nodeRank >= nnodes) {
            throw new UserError("--node-rank must be in 0.." + (nnodes - 1) + " for --nnodes " + nnodes + ", got " + nodeRank);
        }
        if (nnodes > 1 && isLoopback(masterAddr)) {
            // Each node would look for rank 0 on itself: the workers would wait out --dist-timeout.
            throw new UserError("--nnodes " + nnodes + " needs --master-addr: the address of node 0 that every node"
                    + " can reach, not " + masterAddr);
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new UserError("--master-port must be in 1..65535, got " + masterPort);
        }
        if (graceSeconds < 0) {
            throw new UserError("--grace must not be negative");
        }
        if (command.get(0).equals("launch")) {
            throw new UserError("launch cannot launch itself");
        }
        Launcher.Plan plan = new Launcher.Plan(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort,
                Duration.ofSeconds(graceSeconds));
        return new Launcher(plan, ThisJvm.command(Main.class), command, System.err).run();
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false; // the workers report it, naming the address
        }
    }
}
