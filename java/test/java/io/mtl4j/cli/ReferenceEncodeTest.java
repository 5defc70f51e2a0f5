package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code mtl4j encode} on the shared MiniLM against outputs from an independent implementation (ONNX Runtime). */
class ReferenceEncodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 8})
    void matchesTheReferenceOutputs(int batchSize) throws Exception {
        Path shared = TinyModels.sharedDir();
        assumeTrue(shared != null, "../shared is absent: skipping the MiniLM reference check");
        Path model = shared.resolve("models/minilm-l6-h384");
        Path out = dir.resolve("out.jsonl");
        CliRunner r = CliRunner.run("encode", "--model", model.toString(),
                "--input", model.resolve("reference_inputs.tsv").toString(), "--output", out.toString(),
                "--batch-size", String.valueOf(batchSize), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        List<String> expected = Files.readAllLines(model.resolve("reference.jsonl"));
        List<String> actual = Files.readAllLines(out);
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = JSON.readTree(expected.get(i));
            JsonNode a = JSON.readTree(actual.get(i));
            assertEquals(e.get("input_ids"), a.get("input_ids"), "input_ids of line " + (i + 1));
            assertEquals(e.get("token_type_ids"), a.get("token_type_ids"), "token_type_ids of line " + (i + 1));
            for (String key : new String[]{"cls", "mean", "pooler"}) {
                assertEquals(e.get(key).size(), a.get(key).size());
                for (int k = 0; k < e.get(key).size(); k++) {
                    assertEquals(e.get(key).get(k).asDouble(), a.get(key).get(k).asDouble(), 1e-4,
                            key + "[" + k + "] of line " + (i + 1));
                }
            }
        }
    }
}
