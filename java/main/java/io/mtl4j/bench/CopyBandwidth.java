package io.mtl4j.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine's memory bandwidth as LibTorch's {@code copy_} achieves it on a tensor much larger
 * than the caches: bytes read plus bytes written per second, best of a few copies.
 */
public final class CopyBandwidth {
    /** 128 MiB per tensor: four times a 32 MiB L3. */
    static final long ELEMENTS = 1L << 25;

    private CopyBandwidth() {
    }

    /** Bytes per second (read + write). */
    public static double measure(Device device, int copies) {
        try (PointerScope scope = new PointerScope()) {
            TensorOptions options = new TensorOptions(torch.ScalarType.Float).device(new org.bytedeco.pytorch.DeviceOptional(device));
            Tensor src = torch.ones(new long[]{ELEMENTS}, options);
            Tensor dst = torch.zeros(new long[]{ELEMENTS}, options);
            dst.copy_(src);  // warm-up: page faults, thread pool
            DeviceClock.synchronize(device);
            long best = Long.MAX_VALUE;
            for (int c = 0; c < copies; c++) {
                long t0 = System.nanoTime();
                dst.copy_(src);
                DeviceClock.synchronize(device);
                best = Math.min(best, System.nanoTime() - t0);
            }
            return 2.0 * ELEMENTS * Float.BYTES / (best * 1e-9);
        }
    }
}
