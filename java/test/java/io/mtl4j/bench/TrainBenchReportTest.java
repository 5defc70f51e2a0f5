package io.mtl4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainBenchReportTest {
    private static TrainBenchReport report(int threads) {
        TrainBenchReport.Measured ours = new TrainBenchReport.Measured(10, 320, 3000, 3200, 2.0, 4e10);
        TrainBenchReport.Measured seed = new TrainBenchReport.Measured(0, 0, 0, 0, Double.NaN, 0);
        return new TrainBenchReport(ours, seed, new GemmPeak.Result(1e11, new GemmPeak.Shape(2048, 2048, 2048)),
                Map.of("other", 1.0), 0.03, 8.0, 1000, null, new Machine(2, "test CPU"), threads, 0.99,
                new double[0], new double[0], "ours", "seed", 1, List.of());
    }

    @Test
    void cpuUtilizationIsLabelledPerCoreAsItIsComputed() {
        // TrainBench divides the process CPU time by wall time x available processors (OpenBLAS
        // runs its own threads, so LibTorch's thread count is not the denominator).
        String text = report(1).text();
        assertTrue(text.contains("(wall time x cores)"), text);
        assertTrue(!text.contains("(wall time x threads)"), text);
    }
}
