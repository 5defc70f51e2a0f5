package io.mtl4j.bench;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine's memory bandwidth as LibTorch's {@code copy_} achieves it on a tensor much larger
 * than the caches: bytes read plus bytes written per second, best of the copies timed.
 */
public final class CopyBandwidth implements AutoCloseable {
    /** 128 MiB per tensor: four times a 32 MiB L3. */
    static final long ELEMENTS = 1L << 25;

    private final Device device;
    private final Tensor src;
    private final Tensor dst;

    public CopyBandwidth(Device device) {
        this.device = device;
        TensorOptions options = new TensorOptions(torch.ScalarType.Float).device(new DeviceOptional(device));
        src = torch.ones(new long[]{ELEMENTS}, options);
        dst = torch.zeros(new long[]{ELEMENTS}, options);
        dst.copy_(src);  // warm-up: page faults, thread pool
        DeviceClock.synchronize(device);
    }

    /** Bytes per second (read + write), best of the given number of copies. */
    public double measure(int copies) {
        long best = Long.MAX_VALUE;
        for (int c = 0; c < copies; c++) {
            long t0 = System.nanoTime();
            dst.copy_(src);
            DeviceClock.synchronize(device);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return 2.0 * ELEMENTS * Float.BYTES / (best * 1e-9);
    }

    @Override
    public void close() {
        src.close();
        dst.close();
    }
}
