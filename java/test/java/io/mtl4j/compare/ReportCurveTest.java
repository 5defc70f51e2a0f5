package io.mtl4j.compare;

import io.mtl4j.tasks.TaskRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReportCurveTest {
    @TempDir
    Path dir;

    @Test
    void withGradientAccumulationEachStepTrainsThatManyBatches() throws IOException {
        Comparison.Run run = run(List.of(
                "{\"step\":1,\"task\":\"sst2\",\"loss\":0.7}",
                "{\"step\":2,\"task\":\"qqp\",\"loss\":0.7}",
                "{\"step\":2,\"split\":\"validation\",\"task\":\"sst2\",\"accuracy\":0.5}",
                "{\"step\":3,\"task\":\"sst2\",\"loss\":0.6}",
                "{\"step\":4,\"task\":\"sst2\",\"loss\":0.5}",
                "{\"step\":4,\"split\":\"validation\",\"task\":\"sst2\",\"accuracy\":0.75}"));
        List<double[]> points = Report.curve(run, TaskRegistry.glue().get("sst2"), 3);
        assertEquals(List.of(3.0, 9.0), points.stream().map(p -> p[0]).toList(), "3 micro-batches per step");
        assertEquals(List.of(0.5, 0.75), points.stream().map(p -> p[1]).toList());
    }

    private Comparison.Run run(List<String> metricsLines) throws IOException {
        Path runDir = dir.resolve("multi");
        Files.createDirectories(runDir);
        Files.write(runDir.resolve("metrics.jsonl"), metricsLines);
        return new Comparison.Run("multi", 42, List.of("sst2", "qqp"), runDir, Map.of());
    }
}
