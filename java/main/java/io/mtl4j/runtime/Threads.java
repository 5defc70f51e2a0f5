package io.mtl4j.runtime;

import org.apache.logging.log4j.LogManager;
import org.bytedeco.pytorch.global.torch;

/**
 * LibTorch's intra-op thread count for a run: the number asked for, or, for 0, LibTorch's own default,
 * also when an earlier run in this JVM set another (set_num_threads is process-wide).
 */
public final class Threads {
    private static final int LIBTORCH_DEFAULT;

    static {
        NativeRuntime.ensureLoaded();
        LIBTORCH_DEFAULT = torch.get_num_threads(); // read before any run of this JVM sets it: every setter comes here
    }

    private Threads() {
    }

    /** @param threads a positive count, or 0 for LibTorch's default */
    public static void use(int threads) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads > cores) {
            LogManager.getLogger(Threads.class).warn("--threads {} is more than the {} cores here: oversubscribed"
                    + " LibTorch threads wait on each other, far slower than {} (0 takes LibTorch's default)", threads, cores, cores);
        }
        torch.set_num_threads(threads > 0 ? threads : LIBTORCH_DEFAULT);
    }

    /** LibTorch's default count on this machine. */
    public static int libTorchDefault() {
        return LIBTORCH_DEFAULT;
    }
}
