package io.mtl4j.runtime;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

import java.util.Optional;
import java.util.function.IntFunction;

/**
 * bf16 autocast around a forward pass: matmuls and attention run in bfloat16 while parameters,
 * gradients and optimizer state stay fp32. bf16 keeps fp32's exponent range, so no loss scaling
 * is needed. {@code precision}: {@code auto} (bf16 on GPUs with native bfloat16, else fp32), {@code bf16}
 * or {@code fp32}.
 */
public final class Autocast implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Autocast.class);
    private final torch.DeviceType type;
    private final boolean wasEnabled;

    private Autocast(torch.DeviceType type) {
        this.type = type;
        this.wasEnabled = torch.is_autocast_enabled(type);
        torch.set_autocast_dtype(type, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(type, true);
    }

    /**
     * Whether {@code precision} means bf16 on {@code device}. {@code auto} means it on CUDA devices with native
     * bfloat16, compute capability 8.0 (Ampere) and later, as transformers' Trainer allows --bf16 only there; older
     * GPUs (T4, V100) only emulate it, so auto trains in fp32 on them and an explicit bf16 is warned about.
     */
    public static boolean bf16(String precision, Device device) {
        return bf16(precision, device, io.mtl4j.nativelib.Pcgrad::cudaCapability);
    }

    /** As {@link #bf16(String, Device)}, reading a CUDA device's {major, minor} capability with {@code capability}. */
    static boolean bf16(String precision, Device device, IntFunction<Optional<int[]>> capability) {
        if (precision.equals("fp32") || (precision.equals("auto") && device.is_cpu())) {
            return false;
        }
        if (device.is_cpu()) {
            return true;
        }
        int index = device.has_index() ? device.index() : 0;
        Optional<int[]> cc = capability.apply(index);
        if (cc.isEmpty() || cc.get()[0] >= 8) {
            return true;
        }
        String which = "cuda:" + index + " has compute capability " + cc.get()[0] + "." + cc.get()[1]
                + ", without native bfloat16: ";
        if (precision.equals("auto")) {
            LOG.info("{}--precision auto trains in fp32 (--precision bf16 would emulate bfloat16, slower)", which);
            return false;
        }
        LOG.warn("{}--precision bf16 is emulated there, usually slower than fp32", which);
        return true;
    }

    /** Enters bf16 autocast for {@code device} when {@code enabled}; otherwise does nothing. */
    public static Autocast enter(boolean enabled, Device device) {
        return enabled ? new Autocast(device.is_cpu() ? torch.DeviceType.CPU : torch.DeviceType.CUDA) : null;
    }

    @Override
    public void close() {
        torch.set_autocast_enabled(type, wasEnabled);
        if (!wasEnabled) {
            torch.clear_cache(); // at::autocast::clear_cache: drop the bf16 weight copies
        }
    }
}
