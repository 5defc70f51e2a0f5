package io.mtl4j.bench;

import io.mtl4j.nativelib.Pcgrad;
import io.mtl4j.util.UserError;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.List;
import java.util.Random;

/**
 * Measures, in one run, the native PCGrad (Gram pass + T x T solve + combine pass) against
 * {@link NaivePcgrad} on the same seeded {@link ConflictingGradients}, and against the machine's
 * {@link CopyBandwidth}; checks that both give the same result.
 */
public final class PcgradBench {
    /** Native and naive must agree to this (max |diff| / max |naive|), float32 sums over n elements. */
    public static final double MAX_REL_DIFF = 1e-3;
    /** Copies timed per repeat; the bandwidth is the best of all of them. */
    static final int COPIES_PER_REPEAT = 2;

    public record Config(int tasks, long params, Device device, double conflictRate, int repeats, long seed) {
    }

    /**
     * Times are medians, except {@code nativeBestMs}: the bandwidth fraction compares like with
     * like, the best native run against the best copy, both what the machine allowed at its
     * quietest (a median against a best would charge the load of a shared machine to the kernel).
     */
    public record Report(double nativeMs, double nativeBestMs, double naiveMs, double copyBytesPerSecond, double conflictRate,
                         double maxRelDiff, int tasks, long params, String device, int repeats, int threads) {
        public double speedupVsNaive() {
            return naiveMs / nativeMs;
        }

        /** Bytes the two passes must move, (2T+1) n floats: T read twice, the result written once. */
        public long minimumBytes() {
            return (2L * tasks + 1) * params * Float.BYTES;
        }

        public double nativeBytesPerSecond() {
            return minimumBytes() / (nativeBestMs * 1e-3);
        }

        public double bandwidthFraction() {
            return nativeBytesPerSecond() / copyBytesPerSecond;
        }

        public boolean agree() {
            return maxRelDiff <= MAX_REL_DIFF;
        }
    }

    private PcgradBench() {
    }

    public static Report run(Config config) {
        if (config.repeats() < 1) {
            throw new UserError("--repeats must be at least 1, got " + config.repeats());
        }
        Device device = config.device();
        if (device.is_cuda() && !Pcgrad.cudaAvailable()) {
            throw new UserError("--device cuda: the native PCGrad library has no usable CUDA (" + Pcgrad.features() + ")");
        }
        List<Tensor> grads = ConflictingGradients.generate(config.tasks(), config.params(), config.conflictRate(),
                config.seed(), device);
        double share = ConflictingGradients.conflictShare(ConflictingGradients.gram(grads), config.tasks());
        int[][] orders = Pcgrad.shuffledOrders(config.tasks(), new Random(config.seed()));
        Tensor nativeOut = torch.empty_like(grads.get(0));
        double maxRelDiff;
        try (PointerScope scope = new PointerScope()) {  // warm-up, and the agreement check
            Pcgrad.apply(grads, orders, Pcgrad.Reduction.SUM, nativeOut);
            maxRelDiff = maxRelativeDiff(nativeOut, NaivePcgrad.apply(grads, orders, Pcgrad.Reduction.SUM, Pcgrad.DEFAULT_EPS));
        }
        // Interleaved, so that all three see the same load on a shared machine.
        long[] nativeNanos = new long[config.repeats()];
        long[] naiveNanos = new long[config.repeats()];
        double copyBandwidth = 0;
        try (CopyBandwidth copy = new CopyBandwidth(device)) {
            for (int r = 0; r < config.repeats(); r++) {
                copyBandwidth = Math.max(copyBandwidth, copy.measure(COPIES_PER_REPEAT));
                nativeNanos[r] = timeNative(grads, orders, nativeOut, device);
                naiveNanos[r] = timeNaive(grads, orders, device);
            }
        }
        return new Report(DeviceClock.medianMillis(nativeNanos), java.util.Arrays.stream(nativeNanos).min().orElseThrow() / 1e6,
                DeviceClock.medianMillis(naiveNanos), copyBandwidth,
                share, maxRelDiff, config.tasks(), config.params(), device.is_cpu() ? "cpu" : device.str().getString(),
                config.repeats(), torch.get_num_threads());
    }

    private static long timeNative(List<Tensor> grads, int[][] orders, Tensor out, Device device) {
        try (PointerScope scope = new PointerScope()) {
            long t0 = System.nanoTime();
            Pcgrad.apply(grads, orders, Pcgrad.Reduction.SUM, out);
            DeviceClock.synchronize(device);
            return System.nanoTime() - t0;
        }
    }

    private static long timeNaive(List<Tensor> grads, int[][] orders, Device device) {
        try (PointerScope scope = new PointerScope()) {
            long t0 = System.nanoTime();
            NaivePcgrad.apply(grads, orders, Pcgrad.Reduction.SUM, Pcgrad.DEFAULT_EPS);
            DeviceClock.synchronize(device);
            return System.nanoTime() - t0;
        }
    }

    /** max |a - b| / max |b|. */
    static double maxRelativeDiff(Tensor a, Tensor b) {
        try (PointerScope scope = new PointerScope()) {
            double diff = a.sub(b).abs().max().item_double();
            double scale = b.abs().max().item_double();
            return scale == 0 ? diff : diff / scale;
        }
    }
}
