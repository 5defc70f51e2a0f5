package io.mtl4j.runtime;

/** The native features built into this mtl4j, as {@code mtl4j --version} lists them. */
public final class NativeFeatures {
    private NativeFeatures() {
    }

    public static String describe() {
        NativeRuntime.ensureLoaded();
        StringBuilder sb = new StringBuilder();
        sb.append("openmp threads ").append(org.bytedeco.pytorch.global.torch.get_num_threads());
        sb.append("; ").append(pcgradFeatures());
        return sb.toString();
    }

    /** What the native PCGrad library was built with, e.g. "pcgrad: cpu, cuda (sm_80, sm_90)". */
    static String pcgradFeatures() {
        try {
            return io.mtl4j.nativelib.Pcgrad.features();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return "pcgrad: unavailable (" + e.getMessage() + ")";
        }
    }
}
