package io.mtl4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Raw JavaCPP binding of the C API in {@code native/include/mtl4j_pcgrad.h} (and the fused
 * AdamW step of {@code mtl4j_adamw.h}, in the same library), one method per
 * C function, same arguments. Gradient and output buffers are raw addresses ({@code long}):
 * pass {@code tensor.data_ptr().address()} or {@code pointer.address() + pointer.position() * 4},
 * nothing is copied. Every method returns a status ({@link #OK} or an error code) and leaves
 * the message in {@link #lastError()} on the calling thread. Prefer the checked facade
 * {@link Pcgrad}.
 *
 * <p>Written by hand rather than parsed from the header (no {@code target=}): the API is ten
 * functions, and the {@code @Cast}s below say exactly how Java types map onto it. The JNI glue
 * ({@code libjniPcgradNative.so}) is generated and compiled by the javacpp Maven plugin and
 * links {@code libmtl4j_pcgrad.so}; the CUDA plugin is preloaded when present (a missing
 * preload is not an error for JavaCPP).
 */
@Properties(value = @Platform(
        include = {"mtl4j_pcgrad.h", "mtl4j_adamw.h"},
        link = "mtl4j_pcgrad",
        preload = "mtl4j_pcgrad_cuda"))
public final class PcgradNative {
    static {
        Loader.load();
    }

    private PcgradNative() {}

    public static final int OK = 0;
    public static final int E_INVALID_ARGUMENT = 1;
    public static final int E_NON_FINITE = 2;
    public static final int E_CUDA_UNAVAILABLE = 3;
    public static final int E_CUDA = 4;
    public static final int E_INTERNAL = 5;

    public static final int SUM = 0;
    public static final int MEAN = 1;
    public static final int F32 = 0;
    public static final int BF16 = 1;
    public static final int ACCUM_F32 = 0;
    public static final int ACCUM_F64 = 1;
    public static final int MAX_TASKS = 64;

    @Name("mtl4j_pcgrad_last_error")
    public static native @Cast("const char*") String lastError();

    @Name("mtl4j_pcgrad_features")
    public static native @Cast("const char*") String features();

    @Name("mtl4j_pcgrad_cuda_available")
    public static native int cudaAvailable();

    @Name("mtl4j_pcgrad_capability_cuda")
    public static native int capabilityCuda(int device, int[] major, int[] minor);

    @Name("mtl4j_pcgrad_gram_f32")
    public static native int gramF32(@Cast("const float* const*") long[] grads, int tasks,
                                     @Cast("int64_t") long n, double[] gramOut);

    @Name("mtl4j_pcgrad_combine_f32")
    public static native int combineF32(@Cast("const float* const*") long[] grads, int tasks,
                                        @Cast("int64_t") long n, double[] weights,
                                        @Cast("float*") long out);

    @Name("mtl4j_pcgrad_apply_f32")
    public static native int applyF32(@Cast("const float* const*") long[] grads, int tasks,
                                      @Cast("int64_t") long n, @Cast("const int32_t*") int[] orders,
                                      int reduction, double eps, @Cast("float*") long out,
                                      double[] weightsOut, @Cast("int32_t*") int[] conflictsOut);

    @Name("mtl4j_pcgrad_solve")
    public static native int solve(double[] gram, int tasks, @Cast("const int32_t*") int[] orders,
                                   int reduction, double eps, double[] weightsOut,
                                   @Cast("int32_t*") int[] conflictsOut);

    @Name("mtl4j_pcgrad_gram_cuda")
    public static native int gramCuda(@Cast("const void* const*") long[] grads, int dtype, int accum,
                                      int tasks, @Cast("int64_t") long n, double[] gramOutHost,
                                      @Cast("void*") long stream);

    @Name("mtl4j_adamw_step_f32")
    public static native int adamwStepF32(@Cast("float*") long param, @Cast("const float*") long grad,
                                          @Cast("float*") long expAvg, @Cast("float*") long expAvgSq,
                                          @Cast("const float*") long decay, @Cast("const float*") long scale,
                                          @Cast("int64_t") long n, double lr, double beta1, double beta2, double eps,
                                          double weightDecay, @Cast("int64_t") long step);

    @Name("mtl4j_pcgrad_combine_cuda")
    public static native int combineCuda(@Cast("const void* const*") long[] grads, int dtype, int accum,
                                         int tasks, @Cast("int64_t") long n, double[] weightsHost,
                                         @Cast("void*") long out, @Cast("void*") long stream);

    @Name("mtl4j_pcgrad_apply_cuda")
    public static native int applyCuda(@Cast("const void* const*") long[] grads, int dtype, int accum,
                                       int tasks, @Cast("int64_t") long n,
                                       @Cast("const int32_t*") int[] orders, int reduction, double eps,
                                       @Cast("void*") long out, double[] weightsOut,
                                       @Cast("int32_t*") int[] conflictsOut, @Cast("void*") long stream);
}
