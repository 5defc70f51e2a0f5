package io.mtl4j.dist;

import io.mtl4j.runtime.Devices;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;

import java.util.Map;

/**
 * Where this process stands in a data-parallel job, read from the variables torchrun, Slurm
 * wrappers, Kubernetes' PyTorchJob and {@code mtl4j launch} set: {@code RANK}, {@code WORLD_SIZE},
 * {@code LOCAL_RANK}, {@code MASTER_ADDR} and {@code MASTER_PORT}. Without {@code WORLD_SIZE} (or
 * with 1) the process trains alone.
 *
 * <p>Under torchrun ({@code TORCHELASTIC_USE_AGENT_STORE=True}) the launcher's agent already hosts
 * the store on {@code MASTER_PORT}, and keeps it across restarts of the workers
 * ({@code TORCHELASTIC_RESTART_COUNT}): every rank is then a client of it.
 */
public record DistEnv(int rank, int worldSize, int localRank, String masterAddr, int masterPort, boolean agentStore,
                      int restartCount) {
    public static final int DEFAULT_PORT = 29500;
    public static final DistEnv SINGLE = new DistEnv(0, 1, 0, "127.0.0.1", DEFAULT_PORT);

    public DistEnv(int rank, int worldSize, int localRank, String masterAddr, int masterPort) {
        this(rank, worldSize, localRank, masterAddr, masterPort, false, 0);
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    public boolean isMain() {
        return rank == 0;
    }

    /** The device this rank uses: with several ranks, {@code auto} or {@code cuda} means this rank's GPU, cuda:LOCAL_RANK. */
    public Device device(String requested) {
        Device device = Devices.resolve(requested);
        if (distributed() && device.is_cuda() && (requested == null || !requested.contains(":"))) {
            return Devices.resolve("cuda:" + localRank);
        }
        return device;
    }

    public static DistEnv fromEnvironment() {
        return from(System.getenv());
    }

    public static DistEnv from(Map<String, String> env) {
        String world = env.get("WORLD_SIZE");
        if (world == null || world.isBlank()) {
            return SINGLE;
        }
        int worldSize = integer(env, "WORLD_SIZE", 1, 1 << 20);
        if (worldSize == 1) {
            return SINGLE;
        }
        int rank = integer(env, "RANK", 0, worldSize - 1);
        int localRank = env.containsKey("LOCAL_RANK") ? integer(env, "LOCAL_RANK", 0, worldSize - 1) : rank;
        String addr = env.get("MASTER_ADDR");
        if (addr == null || addr.isBlank()) {
            throw new UserError("WORLD_SIZE=" + worldSize + " but MASTER_ADDR is not set: every rank needs the "
                    + "address of rank 0's host (e.g. MASTER_ADDR=127.0.0.1 on one machine)");
        }
        int port = env.containsKey("MASTER_PORT") ? integer(env, "MASTER_PORT", 1, 65535) : DEFAULT_PORT;
        boolean agentStore = "True".equals(env.get("TORCHELASTIC_USE_AGENT_STORE")); // as PyTorch tests it
        int restartCount = agentStore && env.containsKey("TORCHELASTIC_RESTART_COUNT")
                ? integer(env, "TORCHELASTIC_RESTART_COUNT", 0, Integer.MAX_VALUE) : 0;
        return new DistEnv(rank, worldSize, localRank, addr.trim(), port, agentStore, restartCount);
    }

    private static int integer(Map<String, String> env, String name, int min, int max) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new UserError(name + " is not set (WORLD_SIZE=" + env.get("WORLD_SIZE") + " asks for a distributed run)");
        }
        try {
            int v = Integer.parseInt(value.trim());
            if (v < min || v > max) {
                throw new UserError(name + "=" + value + " is out of range [" + min + ", " + max + "]");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UserError(name + "=" + value + " is not an integer");
        }
    }

    @Override
    public String toString() {
        return "rank " + rank + "/" + worldSize + " (local " + localRank + ", master " + masterAddr + ":" + masterPort + ")";
    }
}
