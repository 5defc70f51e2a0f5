package io.mtl4j.cli;

import io.mtl4j.model.CheckpointWriter;
import io.mtl4j.model.TensorBridge;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.nativelib.Pcgrad;
import io.mtl4j.nativelib.PcgradReference;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.runtime.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcgradCommandTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        NativeRuntime.ensureLoaded();
    }

    private Path write(String fileName, Map<String, Tensor> tensors) throws Exception {
        Path file = dir.resolve(fileName);
        CheckpointWriter.writeSafetensors(tensors, file, Map.of());
        return file;
    }

    private Path writeGrads(float[]... grads) throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int k = 0; k < grads.length; k++) {
            tensors.put("g" + k, Tensors.floatTensor(grads[k], grads[k].length));
        }
        return write("grads.safetensors", tensors);
    }

    private float[] readCombined(Path file) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertEquals(java.util.Set.of("combined"), f.tensors().keySet());
            return Tensors.toFloatArray(TensorBridge.read(f, f.tensors().get("combined")));
        }
    }

    private CliRunner apply(Path in, Path out, String... extra) {
        String[] base = {"pcgrad", "apply", "--input", in.toString(), "--output", out.toString(), "--device", "cpu"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRunner.run(args);
    }

    @Test
    void twoConflictingTasksGiveTheHandComputedResult() throws Exception {
        // g0.g1 = -1: g0' = g0 - (-1/2) g1 = [0.5, 0.5]; g1' = g1 - (-1/1) g0 = [0, 1]; sum = [0.5, 1.5].
        Path in = writeGrads(new float[]{1, 0}, new float[]{-1, 1});
        Path out = dir.resolve("out.safetensors");
        CliRunner r = apply(in, out, "--order", "fixed");
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(new float[]{0.5f, 1.5f}, readCombined(out), 1e-6f);
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertEquals("fixed", f.metadata().get("order"));
            assertEquals("sum", f.metadata().get("reduction"));
            assertEquals("1,1", f.metadata().get("conflicts"));
            assertEquals("0", f.metadata().get("seed"));
        }
        assertTrue(r.out().contains("conflicts per task [1, 1]"), r.out());

        Path mean = dir.resolve("mean.safetensors");
        assertEquals(0, apply(in, mean, "--reduction", "mean").exitCode());
        assertArrayEquals(new float[]{0.25f, 0.75f}, readCombined(mean), 1e-6f, "with two tasks every order is the same");
    }

    /** --output may be a named pipe (or /dev/stdout piped on): written through, with no fsync, which pipes refuse. */
    @Test
    void theOutputMayBeANamedPipe() throws Exception {
        Path in = writeGrads(new float[]{1, 0}, new float[]{-1, 1});
        Path fifo = dir.resolve("out.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return java.nio.file.Files.readAllBytes(fifo);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CliRunner r = apply(in, fifo, "--order", "fixed");
        assertEquals(0, r.exitCode(), r.err());
        Path copy = java.nio.file.Files.write(dir.resolve("from-fifo.safetensors"), read.get(30, java.util.concurrent.TimeUnit.SECONDS));
        assertArrayEquals(new float[]{0.5f, 1.5f}, readCombined(copy), 1e-6f);
    }

    @Test
    void agreeingTasksAreSummedUnchanged() throws Exception {
        Path in = writeGrads(new float[]{1, 2}, new float[]{3, -1});  // dot = 1 > 0
        Path out = dir.resolve("out.safetensors");
        assertEquals(0, apply(in, out).exitCode());
        assertArrayEquals(new float[]{4, 1}, readCombined(out), 1e-6f);
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertEquals("0,0", f.metadata().get("conflicts"));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5})
    void fixedOrderMatchesTheJavaReference(int tasks) throws Exception {
        Random rng = new Random(40 + tasks);
        int n = 257;
        float[] shared = new float[n];
        for (int x = 0; x < n; x++) {
            shared[x] = (float) rng.nextGaussian();
        }
        float[][] g = new float[tasks][n];
        double[][] d = new double[tasks][n];
        for (int k = 0; k < tasks; k++) {
            float sign = k % 2 == 0 ? 1f : -0.8f;
            for (int x = 0; x < n; x++) {
                g[k][x] = sign * shared[x] + 0.6f * (float) rng.nextGaussian();
                d[k][x] = g[k][x];
            }
        }
        Path in = writeGrads(g);
        for (String reduction : new String[]{"sum", "mean"}) {
            Path out = dir.resolve("out-" + reduction + ".safetensors");
            CliRunner r = apply(in, out, "--order", "fixed", "--reduction", reduction);
            assertEquals(0, r.exitCode(), r.err());
            double[] ref = PcgradReference.apply(d, null,
                    reduction.equals("sum") ? Pcgrad.Reduction.SUM : Pcgrad.Reduction.MEAN, Pcgrad.DEFAULT_EPS);
            float[] got = readCombined(out);
            double scale = 0;
            for (double v : ref) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int x = 0; x < n; x++) {
                assertEquals(ref[x], got[x], 1e-4 * scale, "T=" + tasks + " " + reduction + " element " + x);
            }
        }
    }

    @Test
    void randomOrderIsReproducibleFromTheSeedAndMatchesTheReferenceWithTheSameOrders() throws Exception {
        int tasks = 4;
        Random rng = new Random(7);
        float[][] g = new float[tasks][64];
        double[][] d = new double[tasks][64];
        for (int k = 0; k < tasks; k++) {
            for (int x = 0; x < 64; x++) {
                g[k][x] = (float) rng.nextGaussian() + (k % 2 == 0 ? 1f : -1f);
                d[k][x] = g[k][x];
            }
        }
        Path in = writeGrads(g);
        Path out = dir.resolve("out.safetensors");
        assertEquals(0, apply(in, out, "--seed", "11").exitCode());
        double[] ref = PcgradReference.apply(d, Pcgrad.shuffledOrders(tasks, new Random(11)), Pcgrad.Reduction.SUM,
                Pcgrad.DEFAULT_EPS);
        float[] got = readCombined(out);
        for (int x = 0; x < 64; x++) {
            assertEquals(ref[x], got[x], 1e-4 * (1 + Math.abs(ref[x])), "element " + x);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertEquals("random", f.metadata().get("order"));
            assertEquals("11", f.metadata().get("seed"));
        }
    }

    private void assertOneLineError(Path in, String expected) {
        Path out = dir.resolve("never.safetensors");
        CliRunner r = apply(in, out);
        assertEquals(2, r.exitCode(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("mtl4j: error: "), err);
        assertTrue(err.contains(expected), "expected '" + expected + "' in: " + err);
        assertTrue(!out.toFile().exists(), "no output on error");
    }

    @Test
    void badInputsGiveOneLineErrors() throws Exception {
        Map<String, Tensor> wrongNames = new LinkedHashMap<>();
        wrongNames.put("g0", Tensors.floatTensor(new float[]{1, 2}, 2));
        wrongNames.put("grad1", Tensors.floatTensor(new float[]{1, 2}, 2));
        assertOneLineError(write("names.safetensors", wrongNames), "missing [g1], unexpected [grad1]");

        Map<String, Tensor> gap = new LinkedHashMap<>();
        gap.put("g0", Tensors.floatTensor(new float[]{1, 2}, 2));
        gap.put("g2", Tensors.floatTensor(new float[]{1, 2}, 2));
        assertOneLineError(write("gap.safetensors", gap), "missing [g1]");

        Map<String, Tensor> one = Map.of("g0", Tensors.floatTensor(new float[]{1, 2}, 2));
        assertOneLineError(write("one.safetensors", one), "at least 2 task gradients");

        Map<String, Tensor> twoD = new LinkedHashMap<>();
        twoD.put("g0", Tensors.floatTensor(new float[]{1, 2, 3, 4}, 2, 2));
        twoD.put("g1", Tensors.floatTensor(new float[]{1, 2, 3, 4}, 4));
        assertOneLineError(write("twod.safetensors", twoD), "g0 has shape [2, 2], expected a 1-D tensor");

        Map<String, Tensor> f64 = new LinkedHashMap<>();
        f64.put("g0", Tensors.floatTensor(new float[]{1, 2}, 2));
        f64.put("g1", Tensors.floatTensor(new float[]{1, 2}, 2).to(torch.ScalarType.Double));
        assertOneLineError(write("f64.safetensors", f64), "g1 is F64, expected F32");

        Map<String, Tensor> lengths = new LinkedHashMap<>();
        lengths.put("g0", Tensors.floatTensor(new float[]{1, 2}, 2));
        lengths.put("g1", Tensors.floatTensor(new float[]{1, 2, 3}, 3));
        assertOneLineError(write("lengths.safetensors", lengths), "g1 has 3 elements, g0 has 2");

        assertOneLineError(writeGrads(new float[]{1, 2}, new float[]{3, 4}, new float[]{5, Float.NaN}),
                "task 2 (g2) holds NaN at element 1");
        assertOneLineError(writeGrads(new float[]{Float.NEGATIVE_INFINITY, 2}, new float[]{3, 4}),
                "task 0 (g0) holds -Infinity at element 0");

        assertOneLineError(dir.resolve("absent.safetensors"), "absent.safetensors");
    }

    @Test
    void helpExplainsTheFormulaAndGivesAnExample() {
        CliRunner r = CliRunner.run("pcgrad", "apply", "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("g_i'.g_j / (|g_j|^2"), r.out());
        assertTrue(r.out().contains("mtl4j pcgrad apply --input"), r.out());
    }
}
