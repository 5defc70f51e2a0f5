package io.mtl4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.runtime.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks BertModel and CheckpointLoader against outputs of an independent reference: PyTorch's
 * stock nn.TransformerEncoderLayer and friends, see scripts/gen_golden_tiny_bert.py and
 * java/test/resources/golden/tiny-bert/README.md.
 */
class GoldenTinyBertTest {
    /** The reference ran in fp32 from the same (rounded) weights mtl4j loads. */
    private static final double TOLERANCE = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"f32", "bf16-prefixed", "f16-nopooler-gelu_new", "relu"})
    void matchesReferenceOnRealTokens(String variant) throws IOException {
        Path dir = copyVariant(variant);
        JsonNode golden = JSON.readTree(dir.resolve("golden.json").toFile());
        String where = variant + " (fixture_version " + golden.get("fixture_version") + ")";
        JsonNode cases = golden.get("cases");
        assertFalse(cases.isEmpty(), where + ": golden.json has no cases");

        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            BertModel model = CheckpointLoader.load(dir).model();
            assertEquals(golden.get("has_pooler").asBoolean(), model.hasPooler(), where + ": hasPooler");
            for (JsonNode c : cases) {
                String name = where + " case " + c.get("name").asText();
                long[][] mask = longMatrix(c.get("attention_mask"));
                BertModel.Output out = model.forward(longTensor(c.get("input_ids")),
                        longTensor(c.get("token_type_ids")), longTensor(c.get("attention_mask")), false);

                int batch = mask.length;
                int length = mask[0].length;
                int hidden = model.config().hiddenSize();
                assertArrayShape(new long[]{batch, length, hidden}, out.lastHiddenState(), name + " last_hidden_state");
                float[] actual = Tensors.toFloatArray(out.lastHiddenState());
                JsonNode expected = c.get("last_hidden_state");
                int compared = 0;
                for (int b = 0; b < batch; b++) {
                    for (int t = 0; t < length; t++) {
                        if (mask[b][t] == 1) {
                            assertRowClose(expected.get(b).get(t), actual, (b * length + t) * hidden,
                                    name + " last_hidden_state[" + b + "][" + t + "]");
                            compared++;
                        }
                    }
                }
                assertTrue(compared > 0, name + ": no real tokens compared");

                if (c.get("pooler").isNull()) {
                    assertNull(out.pooled(), name + ": a model without pooler weights returned a pooler output");
                } else {
                    assertNotNull(out.pooled(), name + ": no pooler output");
                    assertArrayShape(new long[]{batch, hidden}, out.pooled(), name + " pooler");
                    float[] pooled = Tensors.toFloatArray(out.pooled());
                    for (int b = 0; b < batch; b++) {
                        assertRowClose(c.get("pooler").get(b), pooled, b * hidden, name + " pooler[" + b + "]");
                    }
                }
            }
        }
    }

    @Test
    void plainCheckpointLoadsWithAnEmptyReport() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            CheckpointLoader.Report report = CheckpointLoader.load(copyVariant("f32")).report();
            assertEquals(List.of(), report.ignored());
            assertEquals(List.of(), report.renamed());
            assertFalse(report.poolerMissing());
        }
    }

    @Test
    void hubStyleCheckpointReportsIgnoredExtrasAndLegacyNames() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            CheckpointLoader.Loaded loaded = CheckpointLoader.load(copyVariant("bf16-prefixed"));
            CheckpointLoader.Report report = loaded.report();
            assertEquals(List.of("bert.embeddings.position_ids", "cls.predictions.bias",
                    "cls.predictions.transform.dense.weight", "cls.seq_relationship.weight"), report.ignored());

            List<String> legacy = new ArrayList<>();
            legacy.add("bert.embeddings.LayerNorm.gamma -> embeddings.LayerNorm.weight");
            legacy.add("bert.embeddings.LayerNorm.beta -> embeddings.LayerNorm.bias");
            for (int i = 0; i < 2; i++) {
                for (String ln : new String[]{"attention.output.LayerNorm", "output.LayerNorm"}) {
                    String p = "encoder.layer." + i + "." + ln;
                    legacy.add("bert." + p + ".gamma -> " + p + ".weight");
                    legacy.add("bert." + p + ".beta -> " + p + ".bias");
                }
            }
            assertEquals(legacy, report.renamed());
            assertFalse(report.poolerMissing());
            assertTrue(loaded.model().hasPooler());
        }
    }

    @Test
    void checkpointWithoutPoolerReportsItMissing() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            CheckpointLoader.Loaded loaded = CheckpointLoader.load(copyVariant("f16-nopooler-gelu_new"));
            assertTrue(loaded.report().poolerMissing());
            assertEquals(List.of(), loaded.report().ignored());
            assertEquals(List.of(), loaded.report().renamed());
            assertFalse(loaded.model().hasPooler());
            assertFalse(loaded.model().parameters().containsKey("pooler.dense.weight"));
        }
    }

    /** Copies the variant's resource directory into the test's temporary directory. */
    private Path copyVariant(String variant) throws IOException {
        return io.mtl4j.testing.TestResources.copyTree("/golden/tiny-bert/" + variant, tmp.resolve(variant));
    }

    private static void assertRowClose(JsonNode expected, float[] actual, int offset, String what) {
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.size(); i++) {
            double diff = Math.abs(expected.get(i).asDouble() - actual[offset + i]);
            if (!(diff <= worst)) {
                worst = diff;
                worstAt = i;
            }
        }
        if (!(worst <= TOLERANCE)) {
            fail(what + ": element " + worstAt + " is " + actual[offset + worstAt] + ", reference "
                    + expected.get(worstAt).asDouble() + " (|diff| " + worst + " > " + TOLERANCE + ")");
        }
    }

    private static void assertArrayShape(long[] expected, Tensor t, String what) {
        assertEquals(Arrays.toString(expected), Arrays.toString(Tensors.shape(t)), what + " shape");
    }

    private static long[][] longMatrix(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            out[b] = new long[rows.get(b).size()];
            for (int t = 0; t < out[b].length; t++) {
                out[b][t] = rows.get(b).get(t).asLong();
            }
        }
        return out;
    }

    private static Tensor longTensor(JsonNode rows) {
        long[][] m = longMatrix(rows);
        long[] flat = Stream.of(m).flatMapToLong(Arrays::stream).toArray();
        return Tensors.longTensor(flat, m.length, m[0].length);
    }
}
