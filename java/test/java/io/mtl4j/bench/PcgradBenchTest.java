package io.mtl4j.bench;

import io.mtl4j.nativelib.Pcgrad;
import io.mtl4j.nativelib.PcgradReference;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.runtime.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PcgradBenchTest {
    @BeforeAll
    static void load() {
        NativeRuntime.ensureLoaded();
    }

    @Test
    void naiveLibTorchVersionMatchesTheJavaReference() {
        int tasks = 5;
        List<Tensor> grads = ConflictingGradients.generate(tasks, 5000, 0.6, 3, new Device(torch.DeviceType.CPU));
        double[][] d = new double[tasks][];
        for (int k = 0; k < tasks; k++) {
            float[] f = Tensors.toFloatArray(grads.get(k));
            d[k] = new double[f.length];
            for (int x = 0; x < f.length; x++) {
                d[k][x] = f[x];
            }
        }
        int[][] orders = Pcgrad.shuffledOrders(tasks, new Random(9));
        double[] ref = PcgradReference.apply(d, orders, Pcgrad.Reduction.MEAN, Pcgrad.DEFAULT_EPS);
        float[] naive = Tensors.toFloatArray(NaivePcgrad.apply(grads, orders, Pcgrad.Reduction.MEAN, Pcgrad.DEFAULT_EPS));
        for (int x = 0; x < ref.length; x++) {
            assertEquals(ref[x], naive[x], 1e-4 * (1 + Math.abs(ref[x])), "element " + x);
        }
    }

    @Test
    void maxRelativeDiffIsRelativeToTheLargestNaiveValue() {
        Tensor naive = Tensors.floatTensor(new float[]{4, -8, 2}, 3);
        Tensor wrong = Tensors.floatTensor(new float[]{4, -8, 3}, 3);
        assertEquals(1 / 8.0, PcgradBench.maxRelativeDiff(wrong, naive), 1e-7);
        assertEquals(0.0, PcgradBench.maxRelativeDiff(naive, naive));
    }
}
