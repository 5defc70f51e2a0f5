package io.mtl4j.bench;

import io.mtl4j.model.BertConfig;
import io.mtl4j.model.BertModel;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModelFlopsTest {
    /** TinyModels: 2 layers, hidden 32, intermediate 64. */
    private static final BertConfig TINY = TinyModels.tinyConfig();

    @Test
    void layerParametersByHand() {
        long qkvo = 4 * (32 * 32 + 32);      // 4224
        long intermediate = 32 * 64 + 64;    // 2112
        long output = 64 * 32 + 32;          // 2080
        long layerNorms = 2 * (32 + 32);     // 128
        assertEquals(8544, qkvo + intermediate + output + layerNorms);
        assertEquals(8544, ModelFlops.layerParameters(32, 64));
        assertEquals(17088, ModelFlops.nonEmbeddingParameters(TINY));
    }

    @Test
    void nonEmbeddingParametersAreTheEncoderLayersOfTheModel() {
        long counted = 0;
        for (BertModel.ParameterSpec p : BertModel.parameterSpecs(TINY, true)) {
            if (p.name().startsWith("encoder.layer.")) {
                long n = 1;
                for (long d : p.shape()) {
                    n *= d;
                }
                counted += n;
            }
        }
        assertEquals(counted, ModelFlops.nonEmbeddingParameters(TINY));
    }

    @Test
    void trainingFlopsOfOneBatchByHand() {
        // 2 rows padded to 5 tokens, 7 real tokens.
        double dense = 6.0 * 17088 * 7;                 // 717,696: 6 N per real token
        double attention = 12.0 * 2 * 5 * 32 * (2 * 5); // 38,400: 12 L s h per padded token
        assertEquals(756_096.0, dense + attention);
        assertEquals(756_096.0, ModelFlops.trainingFlops(TINY, 2, 5, 7));
    }

    @Test
    void trainingFlopsAgainstACountOfTheMatrixProducts() {
        // Per token and layer, forward, 2 FLOPs per multiply-add: Q, K, V, output 4·2·h·h; FFN 2·2·h·i;
        // scores QKᵀ and context AV 2·2·s·h over the padded length s. Backward 2x forward.
        int layers = 2, h = 32, i = 64, rows = 2, s = 5, real = 7;
        double denseForward = 4 * 2.0 * h * h + 2 * 2.0 * h * i;       // 16,384 per real token
        double attentionForward = 2 * 2.0 * s * h;                      // 640 per padded token
        double byHand = 3 * layers * (denseForward * real + attentionForward * rows * s); // 726,528
        // ModelFlops also charges 6 FLOPs per bias and LayerNorm parameter per token (4h + i + h + 4h each layer).
        double biasesAndNorms = 6.0 * layers * (4 * h + i + h + 4 * h) * real;            // 29,568
        assertEquals(byHand + biasesAndNorms, ModelFlops.trainingFlops(TINY, rows, s, real));
    }

    @Test
    void biasesAndNormsAreUnderHalfAPercentOfAMiniLmLayer() {
        // MiniLM-L6-H384 (intermediate 1536): the non-matmul parameters barely move MFU.
        long h = 384, i = 1536;
        double matmul = 4 * h * h + 2 * h * i;
        assertEquals(0.0028, (ModelFlops.layerParameters(h, i) - matmul) / matmul, 0.0005);
    }

    @Test
    void paddingCostsOnlyAttentionFlops() {
        double unpadded = ModelFlops.trainingFlops(TINY, 4, 10, 40);
        double padded = ModelFlops.trainingFlops(TINY, 4, 20, 40);
        assertEquals(12.0 * 2 * 32 * 4 * (20 * 20 - 10 * 10), padded - unpadded);
    }
}
