package io.mtl4j.optim;

import io.mtl4j.model.ParameterBuffer;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.runtime.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused native AdamW step against the LibTorch ops it replaces, from the same state over
 * several steps: with and without weight decay masks and per-element learning-rate scales.
 */
class FlatAdamWTest {
    private static ParameterBuffer buffer(long seed) {
        torch.manual_seed(seed);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("a.weight", torch.randn(37, 53).mul(new Scalar(0.02)));
        params.put("a.bias", torch.randn(37).mul(new Scalar(0.02)));
        params.put("b.LayerNorm.weight", torch.ones(4099));
        params.put("c.weight", torch.randn(5003).mul(new Scalar(0.02)));
        return ParameterBuffer.pack(params, new Device(torch.DeviceType.CPU));
    }

    private static Tensor decayMask(ParameterBuffer b) {
        Tensor mask = torch.ones_like(b.values());
        try (NoGradGuard g = new NoGradGuard()) {
            for (ParameterBuffer.Slot s : b.slots()) {
                if (s.name().endsWith(".bias") || s.name().contains("LayerNorm")) {
                    mask.narrow(0, s.offset(), s.numel()).zero_();
                }
            }
        }
        return mask;
    }

    private static double maxRelDiff(Tensor a, Tensor b) {
        double scale = Math.max(1e-30, b.abs().max().item_double());
        return a.sub(b).abs().max().item_double() / scale;
    }

    private static void compare(boolean layered, double weightDecay) {
        NativeRuntime.ensureLoaded();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ParameterBuffer fusedBuf = buffer(1);
            ParameterBuffer plainBuf = buffer(1);
            Tensor scale = layered ? torch.rand_like(fusedBuf.values()).add(new Scalar(0.5)) : null;
            FlatAdamW fused = new FlatAdamW(fusedBuf, scale, decayMask(fusedBuf), 0.9, 0.999, 1e-8, weightDecay);
            FlatAdamW plain = new FlatAdamW(plainBuf, scale, decayMask(plainBuf), 0.9, 0.999, 1e-8, weightDecay).unfused();
            torch.manual_seed(2);
            for (int step = 0; step < 6; step++) {
                Tensor grad = torch.randn_like(fusedBuf.values()).mul(new Scalar(step == 2 ? 0 : 1));
                fusedBuf.grads().copy_(grad);
                plainBuf.grads().copy_(grad);
                fused.step(1e-3 * (step + 1));
                plain.step(1e-3 * (step + 1));
            }
            String what = (layered ? "layered" : "uniform") + " lr, weight decay " + weightDecay;
            double dp = maxRelDiff(fusedBuf.values(), plainBuf.values());
            double dm = maxRelDiff(fused.expAvg(), plain.expAvg());
            double dv = maxRelDiff(fused.expAvgSq(), plain.expAvgSq());
            assertTrue(dp < 1e-6 && dm < 1e-6 && dv < 1e-6, what + ": params " + dp + ", m " + dm + ", v " + dv);
            assertTrue(maxRelDiff(fusedBuf.values(), buffer(1).values()) > 1e-3, what + ": the step changed nothing");
            fusedBuf.checkAliasing();
        }
    }

    @Test
    void fusedStepMatchesTheLibTorchOps() {
        compare(false, 0.01);
    }

    @Test
    void fusedStepMatchesWithLayerwiseScalesAndNoDecay() {
        compare(true, 0.0);
    }

    @Test
    void fusedStepMatchesWithLayerwiseScalesAndDecay() {
        compare(true, 0.1);
    }
}
