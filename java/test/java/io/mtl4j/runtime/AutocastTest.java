package io.mtl4j.runtime;

import io.mtl4j.nativelib.Pcgrad;
import io.mtl4j.testing.LogCapture;
import org.bytedeco.pytorch.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.util.Optional;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --precision picks bf16 autocast where bfloat16 is native: on CUDA devices of compute capability 8.0 (Ampere)
 * and later, as transformers' Trainer allows --bf16 only there. Older GPUs (T4, V100) only emulate it.
 */
class AutocastTest {
    private static final IntFunction<Optional<int[]>> AMPERE = device -> Optional.of(new int[]{8, 0});
    private static final IntFunction<Optional<int[]>> TURING = device -> Optional.of(new int[]{7, 5});
    private static final IntFunction<Optional<int[]>> UNKNOWN = device -> Optional.empty();

    @BeforeAll
    static void load() {
        NativeRuntime.ensureLoaded();
    }

    @Test
    void autoIsBf16OnlyOnGpusWithNativeBfloat16() throws Exception {
        // Device objects only: nothing runs on them, so no GPU is needed
        Device cuda = new Device("cuda:0");
        Device cpu = new Device("cpu");
        assertTrue(Autocast.bf16("auto", cuda, AMPERE));
        assertFalse(Autocast.bf16("auto", cpu, AMPERE));
        StringWriter log = new StringWriter();
        try (AutoCloseable capture = LogCapture.into(log)) {
            assertFalse(Autocast.bf16("auto", cuda, TURING));
        }
        assertTrue(log.toString().contains("cuda:0 has compute capability 7.5, without native bfloat16:"
                + " --precision auto trains in fp32"), log.toString());
        assertTrue(Autocast.bf16("auto", cuda, UNKNOWN), "a capability nobody can read keeps the GPU default, bf16");
    }

    @Test
    void explicitPrecisionsAreKeptWithAWarningWhereBf16IsEmulated() throws Exception {
        Device cuda = new Device("cuda:1");
        assertFalse(Autocast.bf16("fp32", cuda, AMPERE));
        StringWriter log = new StringWriter();
        try (AutoCloseable capture = LogCapture.into(log)) {
            assertTrue(Autocast.bf16("bf16", cuda, TURING));
        }
        assertTrue(log.toString().contains("cuda:1 has compute capability 7.5, without native bfloat16: --precision bf16"
                + " is emulated there"), log.toString());
        assertTrue(Autocast.bf16("bf16", new Device("cpu"), UNKNOWN));
    }

    @Test
    void theNativeLibraryReportsNoCapabilityWithoutAGpu() {
        // CI has no GPU: the query fails cleanly (its C counterpart is in native/tests/pcgrad_tests.cpp)
        if (!Pcgrad.cudaAvailable()) {
            assertTrue(Pcgrad.cudaCapability(0).isEmpty());
        } else {
            assertTrue(Pcgrad.cudaCapability(0).orElseThrow()[0] >= 3);
        }
    }
}
