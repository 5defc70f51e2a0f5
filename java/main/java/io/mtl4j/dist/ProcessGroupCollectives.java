package io.mtl4j.dist;

import io.mtl4j.runtime.NativeStdout;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.PrefixStore;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Collectives on a c10d process group: rendezvous through a {@link TCPStore} hosted by rank 0,
 * then Gloo (CPU tensors) or NCCL (CUDA tensors). Large tensors are all-reduced in buckets, all
 * in flight at once, so the transfer of one overlaps the reduction of the next.
 *
 * <p>A collective stuck in native code cannot be interrupted from Java: the process group's
 * timeout bounds every operation, and a rank whose peer died gets an error (Gloo sees the
 * closed connection at once). The error names the rank(s) that stopped responding, from the
 * heartbeats every rank keeps in the store.
 */
public final class ProcessGroupCollectives implements Collectives {
    private static final Logger LOG = LogManager.getLogger(ProcessGroupCollectives.class);
    /** 16 MB of fp32 per bucket: large enough to amortise latency, small enough to pipeline. */
    static final long BUCKET_ELEMENTS = 4L << 20;

    private final DistEnv env;
    private final Duration timeout;
    private final Store store;
    private final Backend backend;
    private final Device commDevice;
    private final Heartbeat heartbeat;

    private ProcessGroupCollectives(DistEnv env, Duration timeout, Store store, Backend backend, Device commDevice,
                                    Heartbeat heartbeat) {
        this.env = env;
        this.timeout = timeout;
        this.store = store;
        this.backend = backend;
        this.commDevice = commDevice;
        this.heartbeat = heartbeat;
    }

    /**
     * Joins the job: connects to (rank 0: hosts) the store, waits until every rank has arrived,
     * and creates the process group. {@code backend} is gloo or nccl.
     */
    public static ProcessGroupCollectives join(DistEnv env, String backend, Device device, Duration timeout) {
        Store store = connect(env, timeout);
        Rendezvous.arrive(store, env, timeout);
        Heartbeat heartbeat = Heartbeat.start(store, env);
        try {
            Backend pg;
            Device commDevice;
            Milliseconds ms = new Milliseconds(timeout.toMillis());
            Store prefixed = new PrefixStore("mtl4j/pg", store);
            if (backend.equals("nccl")) {
                org.bytedeco.pytorch.nccl.ProcessGroupNCCL.Options options = new org.bytedeco.pytorch.nccl.ProcessGroupNCCL.Options();
                options.timeout(ms);
                pg = NativeStdout.toStderr(() ->
                        new org.bytedeco.pytorch.nccl.ProcessGroupNCCL(prefixed, env.rank(), env.worldSize(), options));
                commDevice = device;
            } else {
                ProcessGroupGloo.Options options = new ProcessGroupGloo.Options(ms);
                options.devices(new GlooDeviceVector(glooDevice(env)));
                pg = NativeStdout.toStderr(() -> new ProcessGroupGloo(prefixed, env.rank(), env.worldSize(), options));
                commDevice = new Device(torch.DeviceType.CPU);
            }
            LOG.info("{}: {} process group ready", env, backend);
            return new ProcessGroupCollectives(env, timeout, store, pg, commDevice, heartbeat);
        } catch (RuntimeException e) {
            heartbeat.close();
            throw new DistributedFailure("rank " + env.rank() + ": creating the " + backend + " process group failed: "
                    + firstLine(e));
        }
    }

    private static Store connect(DistEnv env, Duration timeout) {
        boolean host = env.isMain() && !env.agentStore();
        TCPStoreOptions options = new TCPStoreOptions();
        options.port((short) env.masterPort());
        options.isServer(host);
        options.waitWorkers(false);
        options.timeout(new Milliseconds(timeout.toMillis()));
        TCPStore tcp;
        try {
            tcp = new TCPStore(env.masterAddr(), options);
        } catch (RuntimeException e) {
            if (host) {
                throw new DistributedFailure("rank 0: cannot host the rendezvous store on " + env.masterAddr() + ":"
                        + env.masterPort() + " (port in use? set MASTER_PORT): " + firstLine(e));
            }
            throw new DistributedFailure("rank " + env.rank() + ": could not reach " + storeHost(env)
                    + "'s rendezvous store at " + env.masterAddr() + ":" + env.masterPort() + " within "
                    + timeout.toSeconds() + " s (" + (env.agentStore() ? "" : "rank 0 did not arrive, or ")
                    + "MASTER_ADDR/MASTER_PORT are wrong): " + firstLine(e));
        }
        // The agent's store outlives the workers it restarts: each attempt keeps to its own keys, as in PyTorch.
        return env.agentStore() ? new PrefixStore("/worker/attempt_" + env.restartCount(), tcp) : tcp;
    }

    /** Who hosts the store: rank 0, or torchrun's agent. */
    static String storeHost(DistEnv env) {
        return env.agentStore() ? "torchrun's agent" : "rank 0";
    }

    /**
     * The network device Gloo binds to: {@code GLOO_SOCKET_IFNAME} if set (as in PyTorch), the
     * loopback when the master is local, else the interface of this host's name.
     */
    private static org.bytedeco.pytorch.gloo.Device glooDevice(DistEnv env) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(ifname.split(",")[0].trim());
        }
        try {
            if (InetAddress.getByName(env.masterAddr()).isLoopbackAddress()) {
                return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
            }
        } catch (java.net.UnknownHostException e) {
            throw new DistributedFailure("MASTER_ADDR=" + env.masterAddr() + " does not resolve: " + e.getMessage());
        }
        return ProcessGroupGloo.createDefaultDevice();
    }

    @Override
    public DistEnv env() {
        return env;
    }

    @Override
    public void allReduceSum(Tensor tensor, String what) {
        try (PointerScope scope = new PointerScope()) {
            Tensor flat = tensor.view(-1);
            long n = flat.numel();
            List<Work> works = new ArrayList<>();
            AllreduceOptions options = options();
            for (long offset = 0; offset < n; offset += BUCKET_ELEMENTS) {
                Tensor bucket = flat.narrow(0, offset, Math.min(BUCKET_ELEMENTS, n - offset));
                works.add(backend.allreduce(new TensorVector(bucket), options));
            }
            for (Work w : works) {
                w._wait();
            }
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    @Override
    public double[] allReduceSum(double[] values, String what) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = torch.empty(new long[]{values.length}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Double),
                    new org.bytedeco.pytorch.MemoryFormatOptional());
            new org.bytedeco.javacpp.DoublePointer(t.data_ptr()).capacity(values.length).put(values);
            if (!commDevice.is_cpu()) {
                t = t.to(commDevice, torch.ScalarType.Double);
            }
            backend.allreduce(new TensorVector(t), options())._wait();
            Tensor host = t.cpu().contiguous();
            double[] out = new double[values.length];
            new org.bytedeco.javacpp.DoublePointer(host.data_ptr()).capacity(values.length).get(out);
            return out;
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    private AllreduceOptions options() {
        AllreduceOptions options = new AllreduceOptions();
        options.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
        options.timeout(new Milliseconds(timeout.toMillis()));
        return options;
    }

    /** The error for a failed collective, naming the ranks whose heartbeats stopped. */
    private DistributedFailure failure(String what, RuntimeException e) {
        String suspects = heartbeat.silentRanks(Duration.ofMillis(3 * Heartbeat.INTERVAL_MS));
        return new DistributedFailure("rank " + env.rank() + ": all-reduce of " + what + " failed: " + firstLine(e)
                + "; " + suspects + " (timeout " + timeout.toSeconds() + " s)");
    }

    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        heartbeat.close();
        try {
            backend.shutdown();
        } catch (RuntimeException e) {
            LOG.debug("process group shutdown: {}", firstLine(e));
        }
    }
}
