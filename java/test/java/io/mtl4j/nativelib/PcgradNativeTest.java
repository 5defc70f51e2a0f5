package io.mtl4j.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtl4j.nativelib.Pcgrad.Reduction;
import io.mtl4j.util.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class PcgradNativeTest {
    private static final double TOLERANCE = 1e-5;

    /** A shared direction with alternating sign per task plus noise: many conflicts. */
    private static float[][] conflictingGrads(int tasks, int n, Random rng) {
        float[] shared = new float[n];
        for (int x = 0; x < n; x++) {
            shared[x] = (float) rng.nextGaussian();
        }
        float[][] g = new float[tasks][n];
        for (int k = 0; k < tasks; k++) {
            float sign = k % 2 == 0 ? 1f : -0.7f;
            for (int x = 0; x < n; x++) {
                g[k][x] = sign * shared[x] + 0.5f * (float) rng.nextGaussian();
            }
        }
        return g;
    }

    private static double[][] toDouble(float[][] g) {
        double[][] d = new double[g.length][];
        for (int k = 0; k < g.length; k++) {
            d[k] = new double[g[k].length];
            for (int x = 0; x < g[k].length; x++) {
                d[k][x] = g[k][x];
            }
        }
        return d;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** |out - ref| relative to max(|ref|, max_k |g_k|) (ref can be ~0 for opposite gradients). */
    private static double relativeError(float[] out, double[] ref, double[][] grads) {
        double diff = 0;
        for (int x = 0; x < ref.length; x++) {
            diff += (out[x] - ref[x]) * (out[x] - ref[x]);
        }
        double scale = norm(ref);
        for (double[] g : grads) {
            scale = Math.max(scale, norm(g));
        }
        return scale == 0 ? Math.sqrt(diff) : Math.sqrt(diff) / scale;
    }

    private static FloatPointer[] pointers(float[][] g) {
        FloatPointer[] p = new FloatPointer[g.length];
        for (int k = 0; k < g.length; k++) {
            p[k] = new FloatPointer(g[k]);
        }
        return p;
    }

    private static float[] read(FloatPointer p, int n) {
        float[] a = new float[n];
        p.get(a);
        return a;
    }

    @Test
    void featuresNameTheCpuPath() {
        assertTrue(Pcgrad.features().startsWith("pcgrad: cpu"), Pcgrad.features());
    }

    @Test
    void handComputedExample() {
        // g1 = (1,0), g2 = (-1,1): g1' = (0.5,0.5), g2' = (0,1).
        FloatPointer[] g = pointers(new float[][] {{1, 0}, {-1, 1}});
        FloatPointer out = new FloatPointer(2);
        Pcgrad.Result r = Pcgrad.apply(g, 2, null, Reduction.SUM, out);
        assertEquals(0.5f, out.get(0));
        assertEquals(1.5f, out.get(1));
        assertEquals(2, r.totalConflicts());
        Pcgrad.apply(g, 2, null, Reduction.MEAN, out);
        assertEquals(0.25f, out.get(0));
        assertEquals(0.75f, out.get(1));
    }

    @Test
    void matchesTheReferenceForTwoToEightTasksAndOddSizes() {
        Random rng = new Random(42);
        for (int n : new int[] {1, 7, 1000003}) {
            for (int tasks = 2; tasks <= 8; tasks++) {
                float[][] g = conflictingGrads(tasks, n, rng);
                double[][] gd = toDouble(g);
                int[][] orders = Pcgrad.shuffledOrders(tasks, rng);
                FloatPointer out = new FloatPointer(n);
                for (Reduction reduction : Reduction.values()) {
                    Pcgrad.Result r = Pcgrad.apply(pointers(g), n, orders, reduction, out);
                    double[] ref = PcgradReference.apply(gd, orders, reduction, Pcgrad.DEFAULT_EPS);
                    double err = relativeError(read(out, n), ref, gd);
                    String what = "T=" + tasks + " n=" + n + " " + reduction + ": relative error " + err;
                    assertTrue(err <= TOLERANCE, what);
                    if (n > 1000) {
                        assertTrue(r.totalConflicts() > 0, what + ": the data must produce conflicts");
                    }
                }
            }
        }
    }

    @Test
    void stepsByHandEqualApply() {
        Random rng = new Random(3);
        float[][] g = conflictingGrads(4, 1001, rng);
        FloatPointer[] p = pointers(g);
        long[] addresses = new long[4];
        for (int k = 0; k < 4; k++) {
            addresses[k] = p[k].address();
        }
        double[] gram = Pcgrad.gram(addresses, 1001);
        Pcgrad.Result r = Pcgrad.solve(gram, 4, null, Reduction.SUM);
        FloatPointer out = new FloatPointer(1001);
        Pcgrad.combine(addresses, 1001, r.weights(), out.address());
        double[][] gd = toDouble(g);
        assertTrue(relativeError(read(out, 1001), PcgradReference.apply(gd, null, Reduction.SUM, 1e-12), gd) <= TOLERANCE);
    }

    @Test
    void inputErrorsBecomeUserErrorsWithTheNativeMessage() {
        FloatPointer[] one = pointers(new float[][] {{1, 2, 3}});
        UserError e = assertThrows(UserError.class, () -> Pcgrad.apply(one, 3, null, Reduction.SUM, new FloatPointer(3)));
        assertTrue(e.getMessage().contains("got T = 1"), e.getMessage());

        float[][] g = new float[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
        g[2][1] = Float.NaN;
        e = assertThrows(UserError.class, () -> Pcgrad.apply(pointers(g), 3, null, Reduction.SUM, new FloatPointer(3)));
        assertTrue(e.getMessage().contains("task 2"), e.getMessage());

        int[][] selfInOrder = {{0, 2}, {0, 2}, {0, 1}};
        g[2][1] = 1f;
        e = assertThrows(UserError.class,
                () -> Pcgrad.apply(pointers(g), 3, selfInOrder, Reduction.SUM, new FloatPointer(3)));
        assertTrue(e.getMessage().contains("must not be in its own order"), e.getMessage());

        e = assertThrows(UserError.class, () -> Pcgrad.apply(pointers(g), 4, null, Reduction.SUM, new FloatPointer(3)));
        assertTrue(e.getMessage().contains("holds 3 floats"), e.getMessage());
    }

    @Test
    void cudaEntryPointsFailCleanlyWithoutADevice() {
        assumeTrue(!Pcgrad.cudaAvailable(), "a CUDA device is present");
        FloatPointer p = new FloatPointer(1f);
        int status = PcgradNative.gramCuda(new long[] {p.address(), p.address()}, PcgradNative.F32,
                PcgradNative.ACCUM_F32, 2, 1, new double[4], 0L);
        assertEquals(PcgradNative.E_CUDA_UNAVAILABLE, status);
        assertTrue(PcgradNative.lastError().contains("CUDA unavailable"), PcgradNative.lastError());
    }

    @Test
    void libtorchTensorsAreUsedInPlace() {
        torch.manual_seed(7);
        int n = 12345;
        List<Tensor> grads = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            grads.add(torch.randn(n));
        }
        grads.set(1, grads.get(0).mul(new org.bytedeco.pytorch.Scalar(-0.5)).add(grads.get(1)));
        double[][] gd = new double[5][];
        for (int k = 0; k < 5; k++) {
            gd[k] = toDouble(new float[][] {read(grads.get(k).data_ptr_float(), n)})[0];
        }
        int[][] orders = Pcgrad.shuffledOrders(5, new Random(1));
        Tensor out = torch.zeros(n);
        Pcgrad.Result r = Pcgrad.apply(grads, orders, Reduction.MEAN, out);
        double[] ref = PcgradReference.apply(gd, orders, Reduction.MEAN, Pcgrad.DEFAULT_EPS);
        assertTrue(relativeError(read(out.data_ptr_float(), n), ref, gd) <= TOLERANCE);
        assertTrue(r.totalConflicts() > 0);

        // In place into grads[0]: the tensor itself now holds the result.
        Pcgrad.apply(grads, orders, Reduction.MEAN, grads.get(0));
        assertTrue(relativeError(read(grads.get(0).data_ptr_float(), n), ref, gd) <= TOLERANCE);
    }

    @Test
    void mismatchedTensorsAreRejected() {
        Tensor a = torch.randn(10);
        Tensor b = torch.randn(10);
        Tensor out = torch.zeros(10);
        UserError e = assertThrows(UserError.class, () -> Pcgrad.apply(List.of(a, torch.randn(11)), null, Reduction.SUM, out));
        assertTrue(e.getMessage().contains("has 11 elements"), e.getMessage());
        e = assertThrows(UserError.class,
                () -> Pcgrad.apply(List.of(a, b.to(ScalarType.Double)), null, Reduction.SUM, out));
        assertTrue(e.getMessage().contains("Double"), e.getMessage());
        Tensor notContiguous = torch.randn(10, 2).select(1, 0);  // 10 elements, stride 2
        e = assertThrows(UserError.class, () -> Pcgrad.apply(List.of(a, notContiguous), null, Reduction.SUM, out));
        assertTrue(e.getMessage().contains("not contiguous"), e.getMessage());
        assertEquals(10, notContiguous.numel());
        e = assertThrows(UserError.class, () -> Pcgrad.apply(List.of(a.to(ScalarType.Double), b.to(ScalarType.Double)),
                null, Reduction.SUM, out.to(ScalarType.Double)));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
    }

    @Test
    void anUndefinedTensorIsAUserError() {
        // What a parameter that took no part in the backward pass holds as its .grad().
        Tensor noGrad = torch.randn(10).requires_grad_(true).grad();
        assertTrue(!noGrad.defined());
        UserError e = assertThrows(UserError.class,
                () -> Pcgrad.apply(List.of(noGrad, noGrad), null, Reduction.SUM, torch.zeros(10)));
        assertTrue(e.getMessage().contains("grads[0] is undefined"), e.getMessage());
        e = assertThrows(UserError.class,
                () -> Pcgrad.apply(List.of(torch.randn(10), noGrad), null, Reduction.SUM, torch.zeros(10)));
        assertTrue(e.getMessage().contains("grads[1] is undefined"), e.getMessage());
        e = assertThrows(UserError.class,
                () -> Pcgrad.apply(List.of(torch.randn(10), torch.randn(10)), null, Reduction.SUM, noGrad));
        assertTrue(e.getMessage().contains("out is undefined"), e.getMessage());
    }

    @Test
    void cudaTensorsMatchTheReference() {
        assumeTrue(Pcgrad.cudaAvailable() && torch.cuda_is_available(), "no CUDA device (or CPU-only LibTorch)");
        Device cuda = new Device("cuda");
        Random rng = new Random(5);
        for (ScalarType dtype : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
            for (int tasks : new int[] {2, 5, 8, 11}) {
                int n = 100003;
                List<Tensor> grads = new ArrayList<>();
                float[][] g = conflictingGrads(tasks, n, rng);
                for (float[] v : g) {
                    Tensor t = torch.from_blob(new FloatPointer(v), n).clone().to(cuda, dtype);
                    grads.add(t);
                    // What the GPU sees after rounding to dtype.
                    float[] rounded = read(t.to(ScalarType.Float).cpu().contiguous().data_ptr_float(), n);
                    System.arraycopy(rounded, 0, v, 0, n);
                }
                double[][] gd = toDouble(g);
                Tensor out = torch.zeros(n).to(cuda, dtype);
                Pcgrad.apply(grads, null, Reduction.SUM, out);
                float[] got = read(out.to(ScalarType.Float).cpu().contiguous().data_ptr_float(), n);
                double tolerance = dtype == ScalarType.Float ? TOLERANCE : 1e-2;  // bf16 output rounding
                double err = relativeError(got, PcgradReference.apply(gd, null, Reduction.SUM, 1e-12), gd);
                assertTrue(err <= tolerance, dtype + " T=" + tasks + ": relative error " + err);
            }
        }
    }
}
