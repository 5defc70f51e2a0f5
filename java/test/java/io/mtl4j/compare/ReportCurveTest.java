package io.mtl4j.compare;

import io.mtl4j.tasks.Metric;
import io.mtl4j.tasks.ProblemType;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
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

    @Test
    void onlyTheMainDevSplitIsPlotted() throws IOException {
        // A task file may give a task several dev splits; the report compares the first one alone.
        TaskSpec reviews = new TaskSpec("reviews", List.of("text"), List.of("neg", "pos"), ProblemType.CLASSIFICATION,
                List.of(Metric.ACCURACY), Metric.ACCURACY, List.of("train", "validation", "validation_matched"), "label", Map.of());
        Comparison.Run run = run(List.of(
                "{\"step\":1,\"task\":\"reviews\",\"loss\":0.7}",
                "{\"step\":1,\"split\":\"validation\",\"task\":\"reviews\",\"accuracy\":0.5}",
                "{\"step\":1,\"split\":\"validation_matched\",\"task\":\"reviews\",\"accuracy\":0.9}",
                "{\"step\":2,\"task\":\"reviews\",\"loss\":0.6}",
                "{\"step\":2,\"split\":\"validation\",\"task\":\"reviews\",\"accuracy\":0.6}",
                "{\"step\":2,\"split\":\"validation_matched\",\"task\":\"reviews\",\"accuracy\":0.8}"));
        List<double[]> points = Report.curve(run, reviews, 1);
        assertEquals(List.of(1.0, 2.0), points.stream().map(p -> p[0]).toList());
        assertEquals(List.of(0.5, 0.6), points.stream().map(p -> p[1]).toList());
    }

    @Test
    void mnliIsPlottedOnItsMatchedDevSet() throws IOException {
        Comparison.Run run = run(List.of(
                "{\"step\":1,\"task\":\"mnli\",\"loss\":1.1}",
                "{\"step\":1,\"split\":\"validation_matched\",\"task\":\"mnli\",\"accuracy\":0.4}",
                "{\"step\":1,\"split\":\"validation_mismatched\",\"task\":\"mnli\",\"accuracy\":0.3}"));
        List<double[]> points = Report.curve(run, TaskRegistry.glue().get("mnli"), 1);
        assertEquals(List.of(0.4), points.stream().map(p -> p[1]).toList());
    }

    private Comparison.Run run(List<String> metricsLines) throws IOException {
        Path runDir = dir.resolve("multi");
        Files.createDirectories(runDir);
        Files.write(runDir.resolve("metrics.jsonl"), metricsLines);
        return new Comparison.Run("multi", 42, List.of("sst2", "qqp"), runDir, Map.of());
    }
}
