package io.mtl4j.runtime;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.Loader;

import java.io.File;
import java.io.IOException;

/**
 * Loads LibTorch through JavaCPP safely. Call {@link #ensureLoaded()} before touching any
 * {@code org.bytedeco.pytorch} class.
 *
 * <p>Why: JavaCPP extracts native libraries into its cache one at a time, in load order. On an
 * empty cache it loads {@code libtorch.so} before {@code libtorch_cpu.so} has been extracted
 * next to it, so the dynamic linker resolves libtorch.so's dependency on {@code libtorch_cpu.so}
 * through the system search path. Where a system LibTorch exists (Debian's {@code python3-torch}
 * installs {@code /usr/lib/x86_64-linux-gnu/libtorch_cpu.so} 1.13), that foreign copy is mapped
 * first; when JavaCPP then loads its own libtorch_cpu 2.10, its static initialisers bind to the
 * other copy's {@code c10::Dispatcher} and crash in {@code registerFallback}. A second run works
 * because the cache is full by then and libtorch.so finds its sibling through {@code $ORIGIN}.
 *
 * <p>The fix: extract every native library of the JavaCPP, OpenBLAS, PyTorch and (for the GPU
 * build) CUDA artifacts into the cache before the first load, so a first run loads exactly as a
 * later one does.
 *
 * <p>Also: the CPU build's preset describes the {@code -gpu} build too, and with no
 * {@code platform.extension} set JavaCPP tries that first, preloading cudart, cupti and friends from
 * {@code /usr/local/cuda} (wherever a CUDA toolkit is installed) before it falls back to the CPU
 * natives. Unless the GPU natives are on the classpath, the extension is pinned to none.
 */
public final class NativeRuntime {
    private static final Logger LOG = LogManager.getLogger(NativeRuntime.class);
    private static final String[] PACKAGES = {"javacpp", "openblas", "cuda", "pytorch"};
    private static final String[] EXTENSIONS = {"", "-gpu", "-redist"};
    private static volatile boolean loaded;

    private NativeRuntime() {
    }

    public static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (NativeRuntime.class) {
            if (loaded) {
                return;
            }
            pinCpuExtension();
            extractAll();
            Loader.load(org.bytedeco.pytorch.global.torch.class);
            loaded = true;
        }
    }

    /** Without the -gpu natives, JavaCPP must not try the -gpu preloads (CUDA from the system). */
    private static void pinCpuExtension() {
        String property = "org.bytedeco.javacpp.platform.extension";
        if (System.getProperty(property) == null && NativeRuntime.class.getResource(
                "/org/bytedeco/pytorch/" + Loader.getPlatform() + "-gpu/") == null) {
            System.setProperty(property, "");
        }
    }

    /** Extracts the native libraries of every JavaCPP artifact mtl4j uses into the cache. */
    static void extractAll() {
        String platform = Loader.getPlatform();
        for (String pkg : PACKAGES) {
            for (String extension : EXTENSIONS) {
                String resource = "/org/bytedeco/" + pkg + "/" + platform + extension + "/";
                try {
                    File[] files = Loader.cacheResources(resource);
                    if (files != null && files.length > 0) {
                        LOG.debug("native libraries of {} cached in {}", resource, files[0]);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("cannot extract native libraries " + resource
                            + " into the JavaCPP cache (" + cacheDirHint() + "): " + e.getMessage(), e);
                }
            }
        }
    }

    private static String cacheDirHint() {
        String dir = System.getProperty("org.bytedeco.javacpp.cachedir");
        return dir != null ? dir : System.getProperty("user.home") + "/.javacpp/cache";
    }
}
