package io.mtl4j.train;

import io.mtl4j.runtime.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Kendall et al. (2018) objective, its gradients and its optimum, computed by hand. */
class UncertaintyWeightingTest {

    @ParameterizedTest(name = "regression={0}, s={1}, L={2}")
    @CsvSource({"false, 0.0, 0.8", "false, 0.7, 2.5", "false, -1.2, 0.3",
            "true, 0.0, 0.8", "true, 0.7, 2.5", "true, -1.2, 0.3"})
    void objectiveAndGradientsMatchTheFormula(boolean regression, double s, double loss) {
        try (PointerScope ignored = new PointerScope()) {
            double f = regression ? 0.5 : 1.0;
            Tensor logVar = Tensors.floatTensor(new float[]{(float) s}, 1);
            logVar.set_requires_grad(true);
            Tensor l = Tensors.floatTensor(new float[]{(float) loss});
            l.set_requires_grad(true);
            Tensor objective = UncertaintyWeighting.objective(l, logVar, regression, 1.0);
            objective.backward();

            float s32 = (float) s;
            float l32 = (float) loss;
            assertEquals(f * Math.exp(-s32) * l32 + 0.5 * s32, objective.item_double(), 1e-5, "value");
            assertEquals(-f * Math.exp(-s32) * l32 + 0.5, logVar.grad().item_double(), 1e-5, "d/ds");
            assertEquals(f * Math.exp(-s32), l.grad().item_double(), 1e-5, "d/dL");
            assertEquals(f * Math.exp(-s), UncertaintyWeighting.weight(s, regression), 1e-12, "reported weight");
        }
    }

    @ParameterizedTest(name = "regression={0}")
    @CsvSource({"false", "true"})
    void atTheOptimumTheLossWeighsOneOverTwiceTheLoss(boolean regression) {
        // the log variance that zeroes d/ds: log 2L for classification, log L for regression
        double loss = 1.7;
        double optimum = Math.log(regression ? loss : 2 * loss);
        try (PointerScope ignored = new PointerScope()) {
            Tensor logVar = Tensors.floatTensor(new float[]{(float) optimum}, 1);
            logVar.set_requires_grad(true);
            UncertaintyWeighting.objective(Tensors.floatTensor(new float[]{(float) loss}), logVar, regression, 1.0).backward();
            assertEquals(0.0, logVar.grad().item_double(), 1e-6);
        }
        assertEquals(1 / (2 * loss), UncertaintyWeighting.weight(optimum, regression), 1e-12);
    }

    @ParameterizedTest(name = "regression={0}")
    @CsvSource({"false", "true"})
    void microBatchSharesAddUpToOneStep(boolean regression) {
        // a step of 3 + 5 examples: the two micro-batches' objectives sum to the whole batch's
        double s = 0.4;
        double lossA = 0.9;
        double lossB = 1.3;
        try (PointerScope ignored = new PointerScope()) {
            Tensor whole = UncertaintyWeighting.objective(
                    Tensors.floatTensor(new float[]{(float) (lossA + lossB)}), Tensors.floatTensor(new float[]{(float) s}, 1),
                    regression, 1.0);
            Tensor a = UncertaintyWeighting.objective(
                    Tensors.floatTensor(new float[]{(float) lossA}), Tensors.floatTensor(new float[]{(float) s}, 1),
                    regression, 3.0 / 8);
            Tensor b = UncertaintyWeighting.objective(
                    Tensors.floatTensor(new float[]{(float) lossB}), Tensors.floatTensor(new float[]{(float) s}, 1),
                    regression, 5.0 / 8);
            assertEquals(whole.item_double(), a.item_double() + b.item_double(), 1e-5);
        }
    }
}
