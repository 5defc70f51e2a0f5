package io.mtl4j.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunningRateTest {
    @Test
    void isNaNBeforeTheFirstStepThenThatStepsRate() {
        RunningRate rate = new RunningRate(0.95);
        assertTrue(Double.isNaN(rate.perSecond()));
        rate.add(32, 0.5);
        assertEquals(64.0, rate.perSecond(), 1e-12);
    }

    @Test
    void alternatingFastAndSlowStepsGiveTheOverallRateNotTheMeanOfRates() {
        RunningRate rate = new RunningRate(0.95);
        for (int i = 0; i < 2000; i++) {
            rate.add(32, i % 2 == 0 ? 0.1 : 0.9); // 320 and ~36 samples/s, 64 samples/s overall
        }
        assertEquals(64.0, rate.perSecond(), 2.0); // the mean of the rates would be ~178
    }

    @Test
    void oneOddStepMovesTheRateOnlyALittle() {
        RunningRate rate = new RunningRate(0.95);
        for (int i = 0; i < 100; i++) {
            rate.add(32, 0.5);
        }
        rate.add(32, 0.05); // one step ten times faster
        double shown = rate.perSecond();
        assertTrue(shown > 64 && shown < 64 * 1.06, "shown " + shown);
    }

    @Test
    void keepOutsideItsRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RunningRate(1.0));
        assertThrows(IllegalArgumentException.class, () -> new RunningRate(-0.1));
    }
}
