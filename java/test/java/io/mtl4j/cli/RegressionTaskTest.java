package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.testing.TinyGlue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A regression task (STS-B) through train with uncertainty weighting, eval, predict and export. */
class RegressionTaskTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path run;
    static Path data;

    @BeforeAll
    static void trainStsbBesideSst2() throws Exception {
        data = TinyGlue.writeStsb(TinyGlue.write(dir.resolve("glue"), 96, 32, 9), 192, 64, 9);
        // 240 steps round-robin: 120 updates of each head (a head is updated only on its task's steps).
        run = TinyRuns.train(dir, "run", data, "stsb,sst2", "--steps", "240", "--eval-every", "60",
                "--sampler", "round-robin", "--loss-weighting", "uncertainty", "--loss-weight-lr", "0.05");
    }

    @Test
    void evalJsonHoldsPearsonAndSpearmanOfALearnedScore() throws Exception {
        JsonNode stsb = JSON.readTree(run.resolve("eval.json").toFile()).get("stsb");
        assertEquals(List.of("spearman", "pearson"), TinyRuns.fieldNames(stsb));
        assertTrue(stsb.get("pearson").asDouble() > 0.5, "the score was learned: " + stsb);
        assertTrue(stsb.get("spearman").asDouble() > 0.5, "the score was learned: " + stsb);

        CliRunner r = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "stsb,sst2", "--json", "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(stsb.get("pearson").asDouble(), JSON.readTree(r.out()).get("stsb").get("pearson").asDouble(), 1e-9);
    }

    @Test
    void regressionLossWeightIsHalfThePrecision() throws Exception {
        // exp(-s)/2 with s = log σ² still near its initial 0 at the first step; classification's is exp(-s)
        JsonNode firstStsb = null;
        JsonNode firstSst2 = null;
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss") && n.get("task").asText().equals("stsb") && firstStsb == null) {
                firstStsb = n;
            } else if (n.has("loss") && n.get("task").asText().equals("sst2") && firstSst2 == null) {
                firstSst2 = n;
            }
        }
        assertEquals(0.5, firstStsb.get("loss_weight").asDouble(), 0.5 * 0.06, firstStsb.toString());
        assertEquals(1.0, firstSst2.get("loss_weight").asDouble(), 0.06, firstSst2.toString());
    }

    @Test
    void predictPrintsOneScorePerLine() throws Exception {
        List<String> lines = TinyRuns.predict(dir, run.resolve("best"), "stsb",
                "the dog eats\ta dog is eating\nthe cat plays\ta man is sleeping\n");
        assertEquals(2, lines.size());
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            assertEquals(List.of("score"), TinyRuns.fieldNames(n), line);
            assertTrue(n.get("score").isNumber(), line);
        }
        double same = JSON.readTree(lines.get(0)).get("score").asDouble();
        double different = JSON.readTree(lines.get(1)).get("score").asDouble();
        assertTrue(same > different, "the matching pair scores higher: " + lines);
    }

    @Test
    void exportIsARegressionModel() throws Exception {
        Path out = dir.resolve("export-stsb");
        CliRunner r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "stsb",
                "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("regression", config.get("problem_type").asText());
        assertEquals(1, config.get("id2label").size(), "HF reads num_labels = 1 from id2label");
        assertEquals("stsb", config.get("finetuning_task").asText());
    }
}
