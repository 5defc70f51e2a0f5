package io.mtl4j.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.tasks.TaskRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** report.md and report.json written from run directories made by hand (no training). */
class ReportTest {
    @TempDir
    Path dir;

    @Test
    void mnliMismatchedHasARowInEveryComparison() throws IOException {
        TrainConfig base = ConfigLoader.load(null, Map.of("model", "m", "data", "d", "tasks", "mnli,sst2"));
        String eval = "{\"mnli\":{\"accuracy\":0.6},\"mnli-mm\":{\"accuracy\":0.5},\"sst2\":{\"accuracy\":0.8}}";
        List<Comparison.Run> runs = List.of(
                run("multi", List.of("mnli", "sst2"), eval),
                run("single", List.of("mnli"), "{\"mnli\":{\"accuracy\":0.61},\"mnli-mm\":{\"accuracy\":0.52}}"),
                run("single", List.of("sst2"), "{\"sst2\":{\"accuracy\":0.81}}"),
                run("pcgrad", List.of("mnli", "sst2"), eval),
                run("frozen-1", List.of("mnli", "sst2"), eval));
        Report.write(dir, runs, TaskRegistry.glue(), base);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| single vs multi | mnli-mm | accuracy |"), md);
        assertTrue(md.contains("| plain vs pcgrad | mnli-mm | accuracy |"), "PCGrad is compared on mnli-mm too: " + md);
        assertTrue(md.contains("| full vs frozen-1 | mnli-mm | accuracy |"), "frozen is compared on mnli-mm too: " + md);
    }

    @Test
    void reportJsonHasNumbersOrNullNeverTheStringNaN() throws IOException {
        // One seed: no standard deviation. A NaN score (a correlation of constant predictions): no mean.
        TrainConfig base = ConfigLoader.load(null, Map.of("model", "m", "data", "d", "tasks", "stsb,sst2"));
        List<Comparison.Run> runs = List.of(
                run("multi", List.of("stsb", "sst2"), "{\"stsb\":{\"pearson\":0.5,\"spearman\":\"NaN\"},\"sst2\":{\"accuracy\":0.8}}"),
                run("single", List.of("stsb"), "{\"stsb\":{\"pearson\":0.5,\"spearman\":0.4}}"),
                run("single", List.of("sst2"), "{\"sst2\":{\"accuracy\":0.81}}"));
        Report.write(dir, runs, TaskRegistry.glue(), base);
        JsonNode rows = new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("rows");
        assertEquals(2, rows.size(), rows.toString());
        for (JsonNode row : rows) {
            for (JsonNode v : List.of(row.get("a").get("mean"), row.get("a").get("std"), row.get("b").get("mean"),
                    row.get("b").get("std"), row.get("delta"))) {
                assertTrue(v.isNumber() || v.isNull(), "a number, or null where there is none: " + row);
            }
            assertTrue(row.get("a").get("std").isNull(), "one seed has no standard deviation: " + row);
        }
        assertTrue(rows.get(0).get("b").get("mean").isNull(), "stsb's multi-task spearman is NaN: " + rows.get(0));
        assertEquals(0.81, rows.get(1).get("a").get("mean").asDouble(), 0.0, "scores stay fractions: " + rows.get(1));
    }

    @Test
    void aNaNScoreIsNeitherBeyondNorWithinTheNoise() throws IOException {
        TrainConfig base = ConfigLoader.load(null, Map.of("model", "m", "data", "d", "tasks", "stsb,sst2"));
        List<Comparison.Run> runs = List.of(
                run("multi", 42, List.of("stsb", "sst2"), "{\"stsb\":{\"spearman\":\"NaN\"},\"sst2\":{\"accuracy\":0.8}}"),
                run("single", 42, List.of("stsb"), "{\"stsb\":{\"spearman\":0.4}}"),
                run("multi", 43, List.of("stsb", "sst2"), "{\"stsb\":{\"spearman\":0.6},\"sst2\":{\"accuracy\":0.8}}"),
                run("single", 43, List.of("stsb"), "{\"stsb\":{\"spearman\":0.41}}"));
        Report.write(dir, runs, TaskRegistry.glue(), base);
        String md = Files.readString(dir.resolve("report.md"));
        String row = md.lines().filter(l -> l.startsWith("| single vs multi | stsb |")).findFirst().orElseThrow();
        assertTrue(row.endsWith("| n/a |"), "an undefined delta cannot be judged against the noise: " + row);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("rows").get(0);
        assertTrue(json.get("exceedsNoise").isNull(), json.toString());
    }

    @Test
    void beyondNoiseIsWelchsTestAtFivePercentNotTwoStandardErrors() throws IOException {
        // Two seeds a side: Δ 0.04 is 2.83 standard errors, yet with ~2 degrees of freedom p = 1 − t/√(2+t²) ≈ 0.106.
        TrainConfig base = ConfigLoader.load(null, Map.of("model", "m", "data", "d", "tasks", "sst2"));
        List<Comparison.Run> runs = List.of(
                run("multi", 42, List.of("sst2"), "{\"sst2\":{\"accuracy\":0.84}}"),
                run("single", 42, List.of("sst2"), "{\"sst2\":{\"accuracy\":0.80}}"),
                run("multi", 43, List.of("sst2"), "{\"sst2\":{\"accuracy\":0.86}}"),
                run("single", 43, List.of("sst2"), "{\"sst2\":{\"accuracy\":0.82}}"));
        Report.write(dir, runs, TaskRegistry.glue(), base);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| single vs multi | sst2 | accuracy | 0.8100 ± 0.0141 | 0.8500 ± 0.0141 | +0.0400 | 0.106 | no |"), md);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("rows").get(0);
        double t = 0.04 / Math.sqrt(0.0002);
        assertEquals(1 - t / Math.sqrt(2 + t * t), json.get("pValue").asDouble(), 1e-9, json.toString());
        assertEquals(false, json.get("exceedsNoise").asBoolean(), json.toString());
    }

    @Test
    void aDifferenceThatRoundsToZeroIsNotPrintedNegative() {
        assertEquals("+0.0000", Report.signed(-0.00001));
        assertEquals("-0.0011", Report.signed(-0.00114));
        assertEquals("+0.0020", Report.signed(0.002));
    }

    private Comparison.Run run(String kind, List<String> tasks, String evalJson) throws IOException {
        return run(kind, 42, tasks, evalJson);
    }

    private Comparison.Run run(String kind, long seed, List<String> tasks, String evalJson) throws IOException {
        Path d = dir.resolve("seed-" + seed).resolve(kind.equals("single") ? "single-" + tasks.get(0) : kind);
        Files.createDirectories(d);
        Files.writeString(d.resolve("eval.json"), evalJson);
        Files.write(d.resolve("metrics.jsonl"), List.of());
        return new Comparison.Run(kind, seed, tasks, d, Map.of());
    }
}
