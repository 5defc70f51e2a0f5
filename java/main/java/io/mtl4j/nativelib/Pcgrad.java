package io.mtl4j.nativelib;

import io.mtl4j.util.UserError;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * PCGrad (Yu et al. 2020) on the native library {@code mtl4j_pcgrad}: combines the per-task
 * gradients g_1..g_T (each flattened to n floats) into one, projecting each g_i away from
 * every g_j it conflicts with (g_i'.g_j &lt; 0), j in a per-task order, and summing (or
 * averaging) the projected gradients.
 *
 * <p>Entry points, all static and thread-safe:
 * <ul>
 *   <li>{@link #apply(List, int[][], Reduction, Tensor)}: LibTorch tensors, CPU float32 or CUDA
 *       float32/bfloat16, used in place through {@code data_ptr()} (no copies).
 *   <li>{@link #apply(FloatPointer[], long, int[][], Reduction, FloatPointer)} and
 *       {@link #apply(long[], long, int[][], Reduction, long)}: CPU float32 buffers.
 *   <li>{@link #gram}, {@link #solve}, {@link #combine}: the three steps separately (timing,
 *       benchmarks).
 *   <li>{@link #shuffledOrders(int, Random)}: the random per-task orders of the paper; pass
 *       {@code null} as orders for the fixed order (j ascending, skipping i).
 *   <li>{@link #features()}, {@link #cudaAvailable()}.
 * </ul>
 *
 * <p>Errors: bad input (T outside [2, 64], n &lt;= 0, mismatched tensors, bad orders, NaN or
 * inf in a gradient, naming the task, CUDA asked for but unavailable) throws
 * {@link UserError} with the native library's message; a failing CUDA call or an internal
 * error throws {@link PcgradException}.
 */
public final class Pcgrad {
    /** The epsilon in g_i'.g_j / (|g_j|^2 + eps). */
    public static final double DEFAULT_EPS = 1e-12;

    public enum Reduction {
        SUM(PcgradNative.SUM),
        MEAN(PcgradNative.MEAN);

        final int code;

        Reduction(int code) {
            this.code = code;
        }
    }

    /**
     * What the solve found: the result is {@code sum_k weights[k] * g_k}; {@code conflicts[i]}
     * is how many projections were applied to g_i.
     */
    public record Result(double[] weights, int[] conflicts) {
        public int totalConflicts() {
            return Arrays.stream(conflicts).sum();
        }
    }

    private Pcgrad() {}

    /** "pcgrad: cpu" or "pcgrad: cpu, cuda (sm_75, ...)": what the native library has. */
    public static String features() {
        return PcgradNative.features();
    }

    /** True when the CUDA part is built and a CUDA device is visible. */
    public static boolean cudaAvailable() {
        return PcgradNative.cudaAvailable() != 0;
    }

    /**
     * The compute capability of CUDA device {@code device} as {@code {major, minor}}, or empty when
     * CUDA is not available here (not built in, no driver, no such device); the reason is logged at debug.
     */
    public static java.util.Optional<int[]> cudaCapability(int device) {
        int[] major = {-1};
        int[] minor = {-1};
        int status = PcgradNative.capabilityCuda(device, major, minor);
        if (status != PcgradNative.OK) {
            org.apache.logging.log4j.LogManager.getLogger(Pcgrad.class).debug("no compute capability for cuda:{}: {}",
                    device, PcgradNative.lastError());
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new int[]{major[0], minor[0]});
    }

    /** One random permutation of the other tasks per task, drawn from rng in task order. */
    public static int[][] shuffledOrders(int tasks, Random rng) {
        int[][] orders = new int[tasks][];
        for (int i = 0; i < tasks; i++) {
            int[] row = new int[tasks - 1];
            for (int j = 0, p = 0; j < tasks; j++) {
                if (j != i) row[p++] = j;
            }
            for (int p = row.length - 1; p > 0; p--) {
                int q = rng.nextInt(p + 1);
                int t = row[p];
                row[p] = row[q];
                row[q] = t;
            }
            orders[i] = row;
        }
        return orders;
    }

    /** CPU: the T x T Gram matrix (row-major) of float32 gradients at the given addresses. */
    public static double[] gram(long[] gradAddresses, long n) {
        double[] gram = new double[gradAddresses.length * gradAddresses.length];
        check(PcgradNative.gramF32(gradAddresses, gradAddresses.length, n, gram));
        return gram;
    }

    /** The weights of the PCGrad result, from the Gram matrix alone. orders: null = fixed. */
    public static Result solve(double[] gram, int tasks, int[][] orders, Reduction reduction) {
        if (gram.length != (long) tasks * tasks) {
            throw new UserError("gram has " + gram.length + " entries, expected " + tasks + " x " + tasks);
        }
        double[] weights = new double[tasks];
        int[] conflicts = new int[tasks];
        check(PcgradNative.solve(gram, tasks, flatten(orders, tasks), reduction.code, DEFAULT_EPS, weights, conflicts));
        return new Result(weights, conflicts);
    }

    /** CPU: out = sum_k weights[k] * g_k over float32 buffers; out may be one of the gradients. */
    public static void combine(long[] gradAddresses, long n, double[] weights, long outAddress) {
        if (weights.length != gradAddresses.length) {
            throw new UserError(weights.length + " weights for " + gradAddresses.length + " gradients");
        }
        check(PcgradNative.combineF32(gradAddresses, gradAddresses.length, n, weights, outAddress));
    }

    /** CPU: PCGrad of T float32 buffers of n elements at the given addresses into out. */
    public static Result apply(long[] gradAddresses, long n, int[][] orders, Reduction reduction, long outAddress) {
        int tasks = gradAddresses.length;
        double[] weights = new double[tasks];
        int[] conflicts = new int[tasks];
        check(PcgradNative.applyF32(gradAddresses, tasks, n, flatten(orders, tasks), reduction.code, DEFAULT_EPS,
                outAddress, weights, conflicts));
        return new Result(weights, conflicts);
    }

    /** CPU: PCGrad of T float32 buffers of n elements (from each pointer's position) into out. */
    public static Result apply(FloatPointer[] grads, long n, int[][] orders, Reduction reduction, FloatPointer out) {
        long[] addresses = new long[grads.length];
        for (int k = 0; k < grads.length; k++) {
            addresses[k] = address(grads[k], n, "grads[" + k + "]");
        }
        return apply(addresses, n, orders, reduction, address(out, n, "out"));
    }

    /**
     * PCGrad of LibTorch tensors, in place through their data pointers. All tensors (grads and
     * out) must be contiguous, have the same number of elements, the same dtype and the same
     * device: CPU float32, or CUDA float32 or bfloat16 (accumulated in float32, on the legacy
     * default stream, which is LibTorch's current stream unless the caller set another; the
     * call returns once the Gram matrix is read, the weighted sum is queued). out may be one of
     * grads; its shape does not matter, only its number of elements.
     */
    public static Result apply(List<Tensor> grads, int[][] orders, Reduction reduction, Tensor out) {
        int tasks = grads.size();
        if (tasks < 2) {
            throw new UserError("PCGrad needs at least 2 task gradients, got " + tasks);
        }
        Tensor first = grads.get(0);
        long[] addresses = new long[tasks];
        for (int k = 0; k < tasks; k++) {
            addresses[k] = tensorAddress(grads.get(k), first, "grads[" + k + "]");
        }
        long outAddress = tensorAddress(out, first, "out");
        long n = first.numel();
        ScalarType dtype = first.scalar_type().intern();  // JavaCPP enums from native calls need intern()
        if (!first.device().is_cuda()) {
            if (dtype != ScalarType.Float) {
                throw new UserError("PCGrad on CPU needs float32 tensors, got " + dtype);
            }
            return apply(addresses, n, orders, reduction, outAddress);
        }
        if (dtype != ScalarType.Float && dtype != ScalarType.BFloat16) {
            throw new UserError("PCGrad on CUDA needs float32 or bfloat16 tensors, got " + dtype);
        }
        double[] weights = new double[tasks];
        int[] conflicts = new int[tasks];
        check(PcgradNative.applyCuda(addresses, dtype == ScalarType.Float ? PcgradNative.F32 : PcgradNative.BF16,
                PcgradNative.ACCUM_F32, tasks, n, flatten(orders, tasks), reduction.code, DEFAULT_EPS, outAddress,
                weights, conflicts, 0L));
        return new Result(weights, conflicts);
    }

    private static long tensorAddress(Tensor t, Tensor first, String name) {
        if (t == null || t.isNull()) {
            throw new UserError(name + " is null");
        }
        if (!t.defined()) { // e.g. the .grad() of a parameter the backward pass did not reach
            throw new UserError(name + " is undefined (an empty Tensor handle, such as a gradient that was never computed)");
        }
        if (!t.is_contiguous()) {
            throw new UserError(name + " is not contiguous (call .contiguous() first)");
        }
        if (t.numel() != first.numel()) {
            throw new UserError(name + " has " + t.numel() + " elements, grads[0] has " + first.numel());
        }
        if (t.scalar_type().intern() != first.scalar_type().intern()) {
            throw new UserError(name + " is " + t.scalar_type() + ", grads[0] is " + first.scalar_type());
        }
        Device d = t.device(), d0 = first.device();
        if (d.type().intern() != d0.type().intern() || d.index() != d0.index()) {
            throw new UserError(name + " is on " + d.str().getString() + ", grads[0] is on " + d0.str().getString());
        }
        return t.data_ptr().address();
    }

    private static long address(FloatPointer p, long n, String name) {
        if (p == null || p.isNull()) {
            throw new UserError(name + " is null");
        }
        if (p.limit() > 0 && p.limit() - p.position() < n) {
            throw new UserError(name + " holds " + (p.limit() - p.position()) + " floats, n is " + n);
        }
        return p.address() + p.position() * (long) Float.BYTES;
    }

    private static int[] flatten(int[][] orders, int tasks) {
        if (orders == null) {
            return null;
        }
        if (orders.length != tasks) {
            throw new UserError("orders has " + orders.length + " rows for " + tasks + " tasks");
        }
        int[] flat = new int[tasks * (tasks - 1)];
        for (int i = 0; i < tasks; i++) {
            if (orders[i] == null || orders[i].length != tasks - 1) {
                throw new UserError("orders[" + i + "] must list the " + (tasks - 1) + " other tasks");
            }
            System.arraycopy(orders[i], 0, flat, i * (tasks - 1), tasks - 1);
        }
        return flat;
    }

    private static void check(int status) {
        if (status == PcgradNative.OK) {
            return;
        }
        String message = "pcgrad: " + PcgradNative.lastError();
        switch (status) {
            case PcgradNative.E_INVALID_ARGUMENT, PcgradNative.E_NON_FINITE, PcgradNative.E_CUDA_UNAVAILABLE ->
                    throw new UserError(message);
            default -> throw new PcgradException(status, message);
        }
    }
}
