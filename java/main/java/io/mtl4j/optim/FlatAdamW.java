package io.mtl4j.optim;

import io.mtl4j.model.ParameterBuffer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW (Loshchilov &amp; Hutter 2019) with PyTorch's exact update order, over a whole
 * {@link ParameterBuffer} (or a range of one) in a few large in-place ops instead of a loop over
 * parameters:
 * <pre>
 *   p ← p − lr·s·λ·mask·p                       (decoupled weight decay)
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr/(1−β1^t)) · s·m / (√v/√(1−β2^t) + ε)
 * </pre>
 * where {@code s} is a per-element learning-rate scale (parameter groups, layer-wise decay) and
 * {@code mask} is 0 for parameters exempt from weight decay (biases, LayerNorm).
 *
 * <p>On the CPU the step is one fused pass of the native library ({@code mtl4j_adamw.h}): it reads
 * parameters, gradients and moments once and writes them once, where the LibTorch ops below make
 * about twenty passes over memory. Both compute the same float operations in the same order;
 * {@code OptimizerTest} holds them to 1e-6. Elsewhere (CUDA) the LibTorch ops run.
 */
public final class FlatAdamW {
    private final Tensor values;
    private final Tensor grads;
    private final Tensor lrScale;
    private final Tensor decayScale;
    private final boolean uniformScale;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Tensor expAvg;
    private final Tensor expAvgSq;
    private long step;
    private boolean fused = true;

    /**
     * @param lrScale    per-element learning-rate multipliers (null: all 1)
     * @param decayMask  per-element 1 where weight decay applies, 0 where not
     */
    public FlatAdamW(ParameterBuffer buffer, Tensor lrScale, Tensor decayMask, double beta1, double beta2, double eps,
                     double weightDecay) {
        this(buffer.values(), buffer.grads(), torch.zeros_like(buffer.values()), torch.zeros_like(buffer.values()),
                lrScale, decayMask, beta1, beta2, eps, weightDecay);
    }

    /**
     * AdamW over {@code values} (1-D, contiguous: a buffer or a range of one) with their gradients,
     * keeping its moments in {@code expAvg} and {@code expAvgSq} (zeros, or views into larger
     * moment tensors, of the same size). Masks and scales as in the buffer constructor.
     */
    public FlatAdamW(Tensor values, Tensor grads, Tensor expAvg, Tensor expAvgSq, Tensor lrScale, Tensor decayMask,
                     double beta1, double beta2, double eps, double weightDecay) {
        this.values = values;
        this.grads = grads;
        this.uniformScale = lrScale == null;
        this.lrScale = lrScale;
        this.decayScale = uniformScale ? decayMask : decayMask.mul(lrScale);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.expAvg = expAvg;
        this.expAvgSq = expAvgSq;
    }

    /** Uses the LibTorch ops even on the CPU (for tests and comparisons). */
    public FlatAdamW unfused() {
        fused = false;
        return this;
    }

    /** One update with learning rate {@code lr}, from the gradients in the buffer. */
    public void step(double lr) {
        step++;
        if (values.numel() == 0) {
            return; // nothing trainable (a fully frozen encoder), and an empty tensor has no data to point at
        }
        if (fused && values.is_cpu()) {
            fusedStep(lr);
            return;
        }
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor p = values;
            Tensor g = grads;
            if (weightDecay != 0) {
                p.addcmul_(p, decayScale, new Scalar(-lr * weightDecay));
            }
            expAvg.lerp_(g, new Scalar(1 - beta1));
            expAvgSq.mul_(new Scalar(beta2)).addcmul_(g, g, new Scalar(1 - beta2));
            double biasCorrection1 = 1 - Math.pow(beta1, step);
            double biasCorrection2 = 1 - Math.pow(beta2, step);
            Tensor denom = expAvgSq.sqrt().div_(new Scalar(Math.sqrt(biasCorrection2))).add_(new Scalar(eps));
            Tensor numer = uniformScale ? expAvg : expAvg.mul(lrScale);
            p.addcdiv_(numer, denom, new Scalar(-lr / biasCorrection1));
        }
    }

    private void fusedStep(double lr) {
        Tensor p = values;
        int status = io.mtl4j.nativelib.PcgradNative.adamwStepF32(address(p), address(grads), address(expAvg),
                address(expAvgSq), weightDecay == 0 ? 0 : address(decayScale), uniformScale ? 0 : address(lrScale),
                p.numel(), lr, beta1, beta2, eps, weightDecay, step);
        if (status != io.mtl4j.nativelib.PcgradNative.OK) {
            throw new IllegalStateException("fused AdamW step failed: " + io.mtl4j.nativelib.PcgradNative.lastError());
        }
    }

    /** Address of a contiguous float32 CPU tensor's data. */
    private static long address(Tensor t) {
        if (!t.is_contiguous() || t.scalar_type().value != torch.ScalarType.Float.value) {
            throw new IllegalStateException("fused AdamW needs contiguous float32 buffers");
        }
        return t.data_ptr().address();
    }

    public long stepCount() {
        return step;
    }

    public Tensor expAvg() {
        return expAvg;
    }

    public Tensor expAvgSq() {
        return expAvgSq;
    }

    /** Restores the moments and step count saved from an optimizer over the same buffer layout. */
    public void restore(Tensor savedExpAvg, Tensor savedExpAvgSq, long savedStep) {
        if (savedExpAvg.numel() != expAvg.numel() || savedExpAvgSq.numel() != expAvgSq.numel()) {
            throw new io.mtl4j.util.UserError("optimizer state has " + savedExpAvg.numel()
                    + " elements but the model has " + expAvg.numel() + " trainable ones (changed model or freezing?)");
        }
        try (NoGradGuard ignored = new NoGradGuard()) {
            expAvg.copy_(savedExpAvg);
            expAvgSq.copy_(savedExpAvgSq);
        }
        this.step = savedStep;
    }
}
