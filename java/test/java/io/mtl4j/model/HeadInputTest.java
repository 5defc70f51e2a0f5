package io.mtl4j.model;

import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.tokenize.Encoding;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each {@link HeadInput} feeds the head, computed by hand from the encoder's outputs. */
class HeadInputTest {
    @TempDir
    Path dir;

    private static final List<Encoding> BATCH = List.of(
            new Encoding(new int[]{2, 5, 7, 9, 11, 23, 3}, new int[]{0, 0, 0, 0, 0, 0, 0}),
            new Encoding(new int[]{2, 14, 3}, new int[]{0, 0, 0}));

    private float[] logits(HeadInput input, boolean byHand) throws Exception {
        BertModel pretrained = TinyModels.write(dir, 7);
        MultiTaskModel model = MultiTaskModel.create(pretrained, Map.of(),
                List.of(new HeadSpec("sst2", 2, false, List.of("negative", "positive"))), input,
                MultiTaskModel.Freezing.NONE, false, 3, new Device(torch.DeviceType.CPU));
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            InputBatch in = InputBatch.of(BATCH, 0, null);
            if (!byHand) {
                return Tensors.toFloatArray(model.forward("sst2", in, false));
            }
            Tensor hidden = model.encoder().forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), false)
                    .lastHiddenState();
            // Mean over the real tokens only: the second example has 3 of 7 positions.
            Tensor first = hidden.select(0, 0).mean(new long[]{0}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor second = hidden.select(0, 1).narrow(0, 0, 3).mean(new long[]{0}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor features = switch (input) {
                case MEAN -> torch.stack(new org.bytedeco.pytorch.TensorArrayRef(new org.bytedeco.pytorch.TensorVector(first, second)));
                case CLS -> hidden.select(1, 0);
                case POOLER -> throw new AssertionError();
            };
            Map<String, Tensor> heads = model.heads().tensors();
            return Tensors.toFloatArray(torch.linear(features, heads.get("heads.sst2.weight"),
                    new TensorOptional(heads.get("heads.sst2.bias"))));
        }
    }

    @Test
    void meanHeadReadsTheMeanOfTheRealTokens() throws Exception {
        assertArrayEquals(logits(HeadInput.MEAN, true), logits(HeadInput.MEAN, false), 1e-5f);
    }

    @Test
    void clsHeadReadsTheRawClsState() throws Exception {
        assertArrayEquals(logits(HeadInput.CLS, true), logits(HeadInput.CLS, false), 1e-5f);
    }

    @Test
    void onlyPoolerHeadsTrainThePooler() throws Exception {
        BertModel pretrained = TinyModels.write(dir, 7);
        for (HeadInput input : HeadInput.values()) {
            MultiTaskModel model = MultiTaskModel.create(pretrained, Map.of(),
                    List.of(new HeadSpec("sst2", 2, false, List.of("a", "b"))), input,
                    MultiTaskModel.Freezing.NONE, false, 3, new Device(torch.DeviceType.CPU));
            boolean trainsPooler = model.shared().contains("pooler.dense.weight");
            if (input == HeadInput.POOLER) {
                assertTrue(trainsPooler);
            } else {
                assertFalse(trainsPooler, input + " heads must leave the pooler alone");
            }
        }
    }

    @Test
    void unknownHeadInputIsAUserError() {
        assertThrows(io.mtl4j.util.UserError.class, () -> HeadInput.parse("max"));
    }
}
