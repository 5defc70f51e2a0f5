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
    void paddingCostsOnlyAttentionFlops() {
        double unpadded = ModelFlops.trainingFlops(TINY, 4, 10, 40);
        double padded = ModelFlops.trainingFlops(TINY, 4, 20, 40);
        assertEquals(12.0 * 2 * 32 * 4 * (20 * 20 - 10 * 10), padded - unpadded);
    }
}
