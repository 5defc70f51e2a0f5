package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.model.BertConfig;
import io.mtl4j.util.UserError;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BertConfig#load} of a model directory whose {@code config.json} holds arbitrary bytes. */
class BertConfigFuzzTest {

    @FuzzTest
    void load(byte[] data) {
        Path dir = FuzzFiles.dir("config");
        Path file = FuzzFiles.write(dir, BertConfig.FILE_NAME, data);
        try {
            BertConfig c = BertConfig.load(dir);
            // What the encoder relies on once a config is accepted.
            assertTrue(c.vocabSize() > 0 && c.hiddenSize() > 0 && c.numHiddenLayers() > 0
                    && c.intermediateSize() > 0 && c.maxPositionEmbeddings() > 0 && c.typeVocabSize() > 0);
            assertEquals(0, c.hiddenSize() % c.numAttentionHeads());
            assertTrue(c.padTokenId() >= 0 && c.padTokenId() < c.vocabSize());
            assertTrue(c.hiddenDropoutProb() >= 0 && c.hiddenDropoutProb() < 1);
            assertTrue(c.attentionProbsDropoutProb() >= 0 && c.attentionProbsDropoutProb() < 1);
            assertTrue(c.layerNormEps() > 0 && Double.isFinite(c.layerNormEps()));
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, file);
        }
    }
}
