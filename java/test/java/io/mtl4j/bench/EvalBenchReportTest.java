package io.mtl4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EvalBenchReportTest {
    private static EvalBenchReport.Run run(double seconds, long minorFaults) {
        return new EvalBenchReport.Run(InferenceOrder.LONGEST_FIRST, 32, 100, 4, 1000, 1200, 40, seconds, minorFaults,
                500, 1, new float[0][]);
    }

    @Test
    void theMedianOfAnEvenNumberOfRepeatsIsTheMeanOfTheMiddleTwo() {
        EvalBenchReport report = EvalBenchReport.of(new Machine(2, "test CPU"), "m", "sst2", "validation", "cpu",
                List.of(run(1.0, 100), run(3.0, 300)));
        EvalBenchReport.Row row = report.rows().get(0);
        assertEquals(2.0, row.medianSeconds());
        assertEquals(200.0, (double) row.medianMinorFaults(), "median of 100 and 300, as for the seconds");
    }
}
