package io.mtl4j.runtime;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/**
 * bf16 autocast around a forward pass: matmuls and attention run in bfloat16 while parameters,
 * gradients and optimizer state stay fp32. bf16 keeps fp32's exponent range, so no loss scaling
 * is needed. {@code precision}: {@code auto} (bf16 on CUDA, fp32 on CPU), {@code bf16} or {@code fp32}.
 */
public final class Autocast implements AutoCloseable {
    private final torch.DeviceType type;
    private final boolean wasEnabled;

    private Autocast(torch.DeviceType type) {
        this.type = type;
        this.wasEnabled = torch.is_autocast_enabled(type);
        torch.set_autocast_dtype(type, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(type, true);
    }

    /** Whether {@code precision} means bf16 on {@code device}. */
    public static boolean bf16(String precision, Device device) {
        return precision.equals("bf16") || (precision.equals("auto") && !device.is_cpu());
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
