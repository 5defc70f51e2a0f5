package io.mtl4j.train;

import io.mtl4j.config.TrainConfig;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.model.ParameterBuffer;
import io.mtl4j.optim.FlatAdamW;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * Builds the run's optimizers from the config: AdamW over the encoder's buffer and one AdamW per
 * task head, with HF's parameter groups expressed as per-element masks (no decay on biases,
 * LayerNorm and loss weights; layer-wise learning-rate decay; the loss weights' own learning
 * rate). Masks are filled slot by slot on the device, never as Java arrays (bert-large has 335M
 * elements).
 */
final class TrainingOptimizers {
    private TrainingOptimizers() {
    }

    /** AdamW over the encoder, layer l at lr × decay^(L+1−l) when layer-wise decay is on. */
    static FlatAdamW encoder(MultiTaskModel model, TrainConfig config) {
        ParameterBuffer buffer = model.shared();
        boolean layered = config.layerLrDecay() != 1.0;
        int top = model.config().numHiddenLayers() + 1;
        Tensor lrScale = layered ? torch.ones_like(buffer.values()) : null;
        if (layered) {
            try (NoGradGuard ignored = new NoGradGuard()) {
                for (ParameterBuffer.Slot s : buffer.slots()) {
                    lrScale.narrow(0, s.offset(), s.numel())
                            .fill_(new Scalar(Math.pow(config.layerLrDecay(), top - model.depth(s.name()))));
                }
            }
        }
        return new FlatAdamW(buffer, lrScale, decayMask(buffer), config.adamBeta1(), config.adamBeta2(),
                config.adamEps(), config.weightDecay());
    }

    /** AdamW for the heads, one per task (see {@link HeadOptimizers}); the loss weights get their own learning rate. */
    static HeadOptimizers heads(MultiTaskModel model, TrainConfig config, List<String> tasks) {
        ParameterBuffer buffer = model.heads();
        boolean ownLossWeightLr = config.lossWeightLr() != config.headLr()
                && buffer.slots().stream().anyMatch(s -> isLossWeight(s.name()));
        Tensor lrScale = ownLossWeightLr ? torch.ones_like(buffer.values()) : null;
        if (ownLossWeightLr) {
            try (NoGradGuard ignored = new NoGradGuard()) {
                for (ParameterBuffer.Slot s : buffer.slots()) {
                    if (isLossWeight(s.name())) {
                        // The heads' step is taken at headLr × schedule; this scale turns it into lossWeightLr × schedule.
                        lrScale.narrow(0, s.offset(), s.numel()).fill_(new Scalar(config.lossWeightLr() / config.headLr()));
                    }
                }
            }
        }
        return new HeadOptimizers(buffer, tasks, lrScale, decayMask(buffer), config.adamBeta1(), config.adamBeta2(),
                config.adamEps(), config.weightDecay());
    }

    /** 1 where weight decay applies, 0 for biases, LayerNorm and loss weights. */
    private static Tensor decayMask(ParameterBuffer buffer) {
        Tensor mask = torch.ones_like(buffer.values());
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (ParameterBuffer.Slot s : buffer.slots()) {
                if (s.name().endsWith(".bias") || s.name().contains("LayerNorm") || isLossWeight(s.name())) {
                    mask.narrow(0, s.offset(), s.numel()).zero_();
                }
            }
        }
        return mask;
    }

    private static boolean isLossWeight(String name) {
        return name.startsWith(MultiTaskModel.LOSS_WEIGHTS_PREFIX);
    }
}
