package io.mtl4j.bench;

import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConflictingGradientsTest {
    private static Device cpu;

    @BeforeAll
    static void load() {
        NativeRuntime.ensureLoaded();
        cpu = new Device(torch.DeviceType.CPU);
    }

    @ParameterizedTest
    @CsvSource({"3, 0.5", "4, 0.5", "6, 0.3", "8, 0.0", "5, 1.0", "10, 0.75"})
    void measuredConflictShareIsTheRequestedShareRoundedToWholePairs(int tasks, double rate) {
        int pairs = tasks * (tasks - 1) / 2;
        List<Tensor> grads = ConflictingGradients.generate(tasks, 300L * pairs, rate, 17, cpu);
        assertEquals(tasks, grads.size());
        double share = ConflictingGradients.conflictShare(ConflictingGradients.gram(grads), tasks);
        assertEquals(Math.round(rate * pairs) / (double) pairs, share, 1e-12, "T=" + tasks + " rate " + rate);
        assertEquals(rate, share, 0.5 / pairs + 1e-12, "within half a pair of the request");
    }

    @Test
    void sameSeedSameGradientsOtherSeedOtherGradients() {
        float[] a = Tensors.toFloatArray(ConflictingGradients.generate(3, 1000, 0.5, 5, cpu).get(1));
        float[] b = Tensors.toFloatArray(ConflictingGradients.generate(3, 1000, 0.5, 5, cpu).get(1));
        float[] c = Tensors.toFloatArray(ConflictingGradients.generate(3, 1000, 0.5, 6, cpu).get(1));
        assertArrayEquals(a, b);
        assertEquals(false, java.util.Arrays.equals(a, c));
    }

    @Test
    void conflictShareCountsNegativeOffDiagonalPairs() {
        double[] gram = {
                4, -1, 2,
                -1, 9, -3,
                2, -3, 1};
        assertEquals(2 / 3.0, ConflictingGradients.conflictShare(gram, 3), 1e-12);
    }

    @Test
    void rejectsTooFewParamsAndBadRates() {
        assertThrows(UserError.class, () -> ConflictingGradients.generate(3, 100, 0.5, 1, cpu));
        assertThrows(UserError.class, () -> ConflictingGradients.generate(3, 10_000, 1.5, 1, cpu));
        assertThrows(UserError.class, () -> ConflictingGradients.generate(1, 10_000, 0.5, 1, cpu));
    }
}
