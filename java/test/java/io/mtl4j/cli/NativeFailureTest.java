package io.mtl4j.cli;

import io.mtl4j.runtime.NativeRuntime;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LibTorch's own errors, as the command line reports them: one line, and out of memory as what to change. */
class NativeFailureTest {
    @BeforeAll
    static void load() {
        NativeRuntime.ensureLoaded();
    }

    private static CommandLine.Model.CommandSpec command(String name) {
        return new CommandLine(new Main()).getSubcommands().get(name).getCommandSpec();
    }

    @Test
    void outOfMemoryNamesTheOptionsThatLowerMemory() {
        // 128 TiB: more than a process can address, so it fails even where the kernel overcommits
        RuntimeException oom = assertThrows(RuntimeException.class, () -> torch.empty(1L << 45));
        NativeFailure train = NativeFailure.of(new IllegalStateException("wrapped", oom), command("train"));
        assertEquals(2, train.exitCode());
        assertTrue(train.line().startsWith("out of memory: "), train.line());
        assertTrue(train.line().contains("DefaultCPUAllocator: can't allocate memory: you tried to allocate 140737488355328 bytes"),
                train.line());
        assertTrue(train.line().contains("--batch-size") && train.line().contains("--grad-accum")
                && train.line().contains("--max-length") && train.line().contains("--eval-batch-size"), train.line());
        assertFalse(train.line().contains("\n") || train.line().contains("frame #"), train.line());

        NativeFailure encode = NativeFailure.of(oom, command("encode"));
        assertTrue(encode.line().contains("--batch-size") && !encode.line().contains("--grad-accum"), encode.line());
    }

    @Test
    void cudasOutOfMemoryIsRecognisedToo() {
        // c10::OutOfMemoryError's text, as LibTorch 2.x words it (no GPU here to raise it)
        RuntimeException cuda = new RuntimeException("CUDA out of memory. Tried to allocate 384.00 MiB. GPU 0 has a total"
                + " capacity of 15.77 GiB of which 120.12 MiB is free.\nException raised from malloc at CUDACachingAllocator.cpp:1\n"
                + "frame #0: c10::Error::Error() + 0x1");
        NativeFailure f = NativeFailure.of(cuda, command("eval"));
        assertEquals(2, f.exitCode());
        assertTrue(f.line().startsWith("out of memory: CUDA out of memory. Tried to allocate 384.00 MiB."), f.line());
        assertFalse(f.line().contains("frame #") || f.line().contains("Exception raised"), f.line());
    }

    @Test
    void anyOtherLibTorchErrorIsItsFirstLineWithoutTheBacktrace() {
        Tensor weight = torch.zeros(4, 2);
        RuntimeException index = assertThrows(RuntimeException.class, () -> torch.embedding(weight, torch.full(new long[]{1}, new org.bytedeco.pytorch.Scalar(7L), new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long))));
        assertTrue(index.getMessage().contains("frame #"), "LibTorch appends its backtrace: " + index.getMessage());
        NativeFailure f = NativeFailure.of(index, command("train"));
        assertEquals(1, f.exitCode());
        assertEquals("internal error: java.lang.RuntimeException: index out of range in self", f.line());
    }
}
