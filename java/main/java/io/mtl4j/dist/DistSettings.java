package io.mtl4j.dist;

import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;

import java.time.Duration;

/**
 * How a rank joins a distributed job: the c10d backend ({@code auto} picks NCCL for CUDA
 * devices and Gloo for CPU) and the timeout that bounds the rendezvous and every collective.
 */
public record DistSettings(String backend, Duration timeout) {
    /** PyTorch's default collective timeout: 30 minutes. */
    public static final DistSettings DEFAULT = new DistSettings("auto", Duration.ofMinutes(30));

    public DistSettings {
        if (!backend.equals("auto") && !backend.equals("gloo") && !backend.equals("nccl")) {
            throw new UserError("--dist-backend must be auto, gloo or nccl, got " + backend);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new UserError("--dist-timeout must be positive, got " + timeout.toSeconds() + " s");
        }
    }

    public String backendFor(Device device) {
        if (backend.equals("auto")) {
            return device.is_cuda() ? "nccl" : "gloo";
        }
        if (backend.equals("nccl") && !device.is_cuda()) {
            throw new UserError("--dist-backend nccl needs CUDA devices; use gloo (or auto) with --device cpu");
        }
        return backend;
    }

    /**
     * Joins the job described by {@code env}, or returns the single-process collectives when it
     * has one rank.
     */
    public Collectives join(DistEnv env, Device device) {
        return env.distributed() ? ProcessGroupCollectives.join(env, backendFor(device), device, timeout) : Collectives.single();
    }
}
