package io.mtl4j.runtime;

/** The native features built into this mtl4j, as {@code mtl4j --version} lists them. */
public final class NativeFeatures {
    private NativeFeatures() {
    }

    public static String describe() {
        NativeRuntime.ensureLoaded();
        StringBuilder sb = new StringBuilder();
        sb.append("openmp threads ").append(org.bytedeco.pytorch.global.torch.get_num_threads());
        sb.append("; pcgrad: ").append(pcgradFeatures());
        return sb.toString();
    }

    /** Filled in by the native PCGrad library once it is built into this package. */
    static String pcgradFeatures() {
        return "not built";
    }
}
