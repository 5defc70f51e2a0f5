package io.mtl4j.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The machine's peak fp32 GEMM rate as LibTorch sees it: the best of a few large matrix products
 * (a square 2048³ one and the model's own linear-layer shapes), each timed several times after a
 * warm-up. The best rate over all shapes and repeats is the peak.
 */
public final class GemmPeak {
    /** One product {@code [m, k] × [k, n]}. */
    public record Shape(long m, long k, long n) {
        public double flops() {
            return 2.0 * m * k * n;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "[%d,%d]x[%d,%d]", m, k, k, n);
        }
    }

    /** The best rate found and the shape that gave it. */
    public record Result(double flopsPerSecond, Shape shape) {
        public Result best(Result other) {
            return other == null || flopsPerSecond >= other.flopsPerSecond ? this : other;
        }
    }

    private GemmPeak() {
    }

    /** 2048³ plus the linear layers of a BERT layer on {@code tokens} rows: h→3h (QKV fused size), h→ff, ff→h, h→h. */
    public static List<Shape> shapes(long tokens, long hidden, long intermediate) {
        List<Shape> shapes = new ArrayList<>();
        shapes.add(new Shape(2048, 2048, 2048));
        if (tokens > 0) {
            shapes.add(new Shape(tokens, hidden, intermediate));
            shapes.add(new Shape(tokens, intermediate, hidden));
            shapes.add(new Shape(tokens, hidden, hidden));
        }
        return shapes;
    }

    /** @param bf16 whether training's matmuls run in bf16 (its autocast): the peak that matters is that dtype's */
    public static Result measure(List<Shape> shapes, int repeats, Device device, boolean bf16) {
        Result best = null;
        for (Shape s : shapes) {
            try (PointerScope scope = new PointerScope()) {
                TensorOptions options = new TensorOptions(bf16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float)
                        .device(new org.bytedeco.pytorch.DeviceOptional(device));
                Tensor a = torch.randn(new long[]{s.m(), s.k()}, options);
                Tensor b = torch.randn(new long[]{s.k(), s.n()}, options);
                Tensor out = torch.empty(new long[]{s.m(), s.n()}, options, new org.bytedeco.pytorch.MemoryFormatOptional());
                torch.mm_out(out, a, b); // warm-up
                DeviceClock.synchronize(device);
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    torch.mm_out(out, a, b);
                    DeviceClock.synchronize(device);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    best = new Result(s.flops() / seconds, s).best(best);
                }
            }
        }
        return best;
    }
}
