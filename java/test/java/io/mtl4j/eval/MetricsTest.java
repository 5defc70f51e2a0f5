package io.mtl4j.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each metric against values computed by hand. */
class MetricsTest {
    private static final int[] GOLD = {1, 0, 1, 1, 0, 0, 1, 0};
    private static final int[] PRED = {1, 0, 0, 1, 1, 0, 1, 1};

    @Test
    void accuracy() {
        // right at 0, 1, 3, 5, 6: 5 of 8
        assertEquals(5.0 / 8, Metrics.accuracy(PRED, GOLD), 1e-12);
    }

    @Test
    void f1OfThePositiveClass() {
        // tp = 3 (0, 3, 6), fp = 2 (4, 7), fn = 1 (2): F1 = 2·3 / (2·3 + 2 + 1) = 6/9
        assertEquals(6.0 / 9, Metrics.f1(PRED, GOLD), 1e-12);
        assertEquals(0.0, Metrics.f1(new int[]{0, 0}, new int[]{1, 0}), 0.0);
    }

    @Test
    void matthewsCorrelation() {
        // tp 3, tn 2 (1, 5), fp 2, fn 1: (3·2 − 2·1) / sqrt(5·4·4·3) = 4 / sqrt(240)
        assertEquals(4 / Math.sqrt(240), Metrics.matthews(PRED, GOLD), 1e-12);
        assertEquals(0.0, Metrics.matthews(new int[]{1, 1}, new int[]{1, 0}), 0.0, "undefined → 0");
        assertEquals(1.0, Metrics.matthews(GOLD, GOLD), 1e-12);
    }

    @Test
    void pearsonAndSpearman() {
        double[] x = {1, 2, 3, 4};
        double[] y = {2, 4, 5, 9};
        // means 2.5 and 5; sxy = 1.5·3 + 0.5·1 + 0.5·0 + 1.5·4 = 11; sxx = 5; syy = 9+1+0+16 = 26
        assertEquals(11 / Math.sqrt(5 * 26), Metrics.pearson(x, y), 1e-12);
        assertEquals(1.0, Metrics.spearman(x, y), 1e-12, "monotone");
        // ties get average ranks: y = {1, 2, 2, 3} ranks {1, 2.5, 2.5, 4}
        double[] tied = {1, 2, 2, 3};
        assertEquals(Metrics.pearson(x, new double[]{1, 2.5, 2.5, 4}), Metrics.spearman(x, tied), 1e-12);
        assertEquals(-1.0, Metrics.spearman(x, new double[]{4, 3, 2, 1}), 1e-12);
    }

    @Test
    void noExamplesIsNoScore() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.accuracy(new int[0], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Metrics.f1(new int[0], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Metrics.pearson(new double[0], new double[0]));
    }
}
