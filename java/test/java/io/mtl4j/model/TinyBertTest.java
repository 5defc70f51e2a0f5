package io.mtl4j.model;

import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.tokenize.Encoding;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyBertTest {
    @TempDir
    Path dir;

    private static final List<Encoding> EXAMPLES = List.of(
            new Encoding(new int[]{2, 5, 7, 9, 11, 23, 3}, new int[]{0, 0, 0, 0, 0, 0, 0}),
            new Encoding(new int[]{2, 37, 3, 38, 30, 3}, new int[]{0, 0, 0, 1, 1, 1}),
            new Encoding(new int[]{2, 14, 3}, new int[]{0, 0, 0}));

    private static float[][] run(BertModel model, List<Encoding> batch, boolean pooled) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            InputBatch in = InputBatch.of(batch, 0, null);
            BertModel.Output out = model.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), false);
            Tensor t = pooled ? out.pooled() : out.lastHiddenState().select(1, 0);
            float[] values = Tensors.toFloatArray(t);
            int h = model.config().hiddenSize();
            float[][] rows = new float[batch.size()][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = java.util.Arrays.copyOfRange(values, i * h, (i + 1) * h);
            }
            return rows;
        }
    }

    @Test
    void saveAndReloadGiveIdenticalOutputs() throws Exception {
        BertModel original = TinyModels.write(dir, 42);
        BertModel reloaded = CheckpointLoader.load(dir).model();
        assertEquals(original.parameters().keySet(), reloaded.parameters().keySet());
        assertTrue(reloaded.hasPooler());
        float[][] a = run(original, EXAMPLES, true);
        float[][] b = run(reloaded, EXAMPLES, true);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], 0f, "pooler output of example " + i);
        }
    }

    @Test
    void outputsDoNotDependOnBatchingOrPadding() {
        BertModel model = BertModel.randomInit(TinyModels.tinyConfig(), true, 7);
        float[][] together = run(model, EXAMPLES, false);
        for (int i = 0; i < EXAMPLES.size(); i++) {
            float[][] alone = run(model, List.of(EXAMPLES.get(i)), false);
            assertArrayEquals(alone[0], together[i], 1e-5f, "example " + i + " alone vs padded in a batch");
        }
    }

    @Test
    void dropoutIsActiveOnlyInTraining() {
        BertModel model = BertModel.randomInit(TinyModels.tinyConfig(), true, 3);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            InputBatch in = InputBatch.of(EXAMPLES, 0, null);
            float[] eval1 = Tensors.toFloatArray(model.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), false).lastHiddenState());
            float[] eval2 = Tensors.toFloatArray(model.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), false).lastHiddenState());
            float[] train1 = Tensors.toFloatArray(model.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), true).lastHiddenState());
            float[] train2 = Tensors.toFloatArray(model.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), true).lastHiddenState());
            assertArrayEquals(eval1, eval2, 0f);
            assertFalse(java.util.Arrays.equals(train1, train2), "two training passes should draw different dropout masks");
        }
    }

    @Test
    void backwardGivesFiniteGradientsForEveryParameter() {
        BertModel model = BertModel.randomInit(TinyModels.tinyConfig(), true, 11);
        try (PointerScope scope = new PointerScope()) {
            InputBatch in = InputBatch.of(EXAMPLES, 0, null);
            BertModel.Output out = model.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), true);
            Tensor loss = out.lastHiddenState().pow(new org.bytedeco.pytorch.Scalar(2)).mean()
                    .add(out.pooled().sum());
            loss.backward();
            for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
                Tensor grad = p.getValue().grad();
                assertNotNull(grad, p.getKey());
                assertTrue(grad.defined(), "gradient of " + p.getKey());
                assertTrue(org.bytedeco.pytorch.global.torch.isfinite(grad).all().item_bool(), "finite gradient of " + p.getKey());
                if (!p.getKey().equals("embeddings.word_embeddings.weight")) {
                    assertTrue(grad.abs().sum().item_float() > 0, "nonzero gradient of " + p.getKey());
                }
            }
        }
    }
}
