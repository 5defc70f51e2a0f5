package io.mtl4j.bench;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/** Timing helpers: waiting for queued device work, medians. */
final class DeviceClock {
    private DeviceClock() {
    }

    /** Waits until the work queued on a CUDA device is done (no-op on the CPU). */
    static void synchronize(Device device) {
        if (device.is_cuda()) {
            torch.cuda_synchronize();
        }
    }

    static double medianMillis(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2.0;
        return median / 1e6;
    }
}
