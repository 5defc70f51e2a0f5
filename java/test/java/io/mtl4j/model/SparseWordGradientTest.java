package io.mtl4j.model;

import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.tokenize.Encoding;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training encoder's sparse word-embedding backward must give the dense backward's gradient. */
class SparseWordGradientTest {
    private static final List<Encoding> BATCH = List.of(
            new Encoding(new int[]{2, 5, 7, 9, 5, 5, 3}, new int[]{0, 0, 0, 0, 0, 0, 0}),
            new Encoding(new int[]{2, 14, 3, 5, 3}, new int[]{0, 0, 0, 1, 1}));

    /** One training backward (dropout seeded) of sum(pooler output); returns the word-embedding gradient. */
    private static float[] wordGradient(BertModel encoder, MultiTaskModel model) {
        try (PointerScope scope = new PointerScope()) {
            model.shared().zeroGrad();
            torch.manual_seed(11);
            InputBatch in = InputBatch.of(BATCH, 0, null);
            encoder.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), true).pooled().sum().backward();
            Tensor grad = encoder.parameters().get("embeddings.word_embeddings.weight").grad();
            assertFalse(grad.is_sparse(), "the gradient stays a dense view of the flat buffer");
            model.shared().checkAliasing();
            return Tensors.toFloatArray(grad);
        }
    }

    @Test
    void sparseBackwardEqualsDenseBackward() {
        BertModel pretrained = BertModel.randomInit(TinyModels.tinyConfig(), true, 5);
        MultiTaskModel model = MultiTaskModel.create(pretrained, Map.of(),
                List.of(new HeadSpec("sst2", 2, false, List.of("negative", "positive"))), HeadInput.POOLER,
                MultiTaskModel.Freezing.NONE, false, 3, new Device(torch.DeviceType.CPU));
        BertModel sparse = model.encoder();
        BertModel dense = new BertModel(sparse.config(), sparse.parameters(), sparse.hasPooler(), false);

        float[] fromSparse = wordGradient(sparse, model);
        float[] fromDense = wordGradient(dense, model);
        assertArrayEquals(fromDense, fromSparse, 1e-6f);
        // token 5 occurs four times: its row sums the contributions
        int h = sparse.config().hiddenSize();
        boolean nonZero = false;
        for (int j = 0; j < h; j++) {
            nonZero |= fromSparse[5 * h + j] != 0f;
        }
        assertTrue(nonZero);
    }
}
