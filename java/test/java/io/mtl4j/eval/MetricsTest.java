package io.mtl4j.eval;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void matthewsOfMoreThanTwoClassesIsGorodkinsRk() {
        // The findings' H3 example. Expected values by hand with sklearn's formula
        // (sklearn.metrics.matthews_corrcoef; cross-checked in numpy):
        // confusion matrix (rows gold) [[2,0,0],[0,2,1],[1,1,1]]: t = (2,3,3), p = (3,3,2), c = 5, s = 8;
        // (c·s − t·p) / sqrt((s² − p·p)(s² − t·t)) = (40 − 21) / sqrt(42 · 42) = 19/42.
        // The binary formula on "label == 1" gave 0.4667 here.
        int[] gold = {0, 1, 2, 2, 1, 0, 2, 1};
        int[] pred = {0, 2, 2, 1, 1, 0, 0, 1};
        assertEquals(19.0 / 42, Metrics.matthews(pred, gold), 1e-12);
        assertEquals(1.0, Metrics.matthews(gold, gold), 1e-12);
        // one class predicted for everything: s² − p·p = 0, undefined → 0 as in sklearn
        assertEquals(0.0, Metrics.matthews(new int[]{2, 2, 2, 2}, new int[]{0, 1, 2, 2}), 0.0);
        // two classes other than {0, 1} score as the same two classes named 0 and 1 would:
        // tp 1, tn 2, fp 0, fn 1: (1·2 − 0) / sqrt(1·2·2·3) = 1/sqrt(3)
        assertEquals(1 / Math.sqrt(3), Metrics.matthews(new int[]{0, 2, 0, 0}, new int[]{0, 2, 2, 0}), 1e-15);
        assertEquals(1 / Math.sqrt(3), Metrics.matthews(new int[]{0, 1, 0, 0}, new int[]{0, 1, 1, 0}), 1e-15);
    }

    @Test
    void theTwoByTwoFormulaAndRkAgreeOnTwoClasses() {
        // Labels 0/1 keep the 2x2 formula (CoLA's figures are unchanged); R_K must give the same number.
        java.util.Random rng = new java.util.Random(7);
        for (int n : new int[]{1, 5, 1043, 100_000}) {
            int[] gold = new int[n];
            int[] pred = new int[n];
            for (int i = 0; i < n; i++) {
                gold[i] = rng.nextInt(2);
                pred[i] = rng.nextDouble() < 0.8 ? gold[i] : 1 - gold[i];
            }
            // labels 1 and 2 take the multiclass R_K path, 0 and 1 the 2x2 formula: the same statistic
            int[] goldShifted = java.util.Arrays.stream(gold).map(g -> g + 1).toArray();
            int[] predShifted = java.util.Arrays.stream(pred).map(p -> p + 1).toArray();
            assertEquals(Metrics.matthews(predShifted, goldShifted), Metrics.matthews(pred, gold), 1e-12, "n = " + n);
        }
    }

    @Test
    void macroF1AveragesTheClassesThatOccur() {
        // By hand, F1 per class = 2tp / (2tp + fp + fn), as sklearn's f1_score(average="macro"),
        // which averages over the labels found in gold or predictions (cross-checked in numpy).
        // H3 example: class 0 tp 2 fp 1 fn 0 → 4/5; class 1 tp 2 fp 1 fn 1 → 4/6; class 2 tp 1 fp 1 fn 2 → 2/5;
        // mean 28/45 (= 0.6222; f1 of label 1 alone is 0.6667)
        int[] gold = {0, 1, 2, 2, 1, 0, 2, 1};
        int[] pred = {0, 2, 2, 1, 1, 0, 0, 1};
        assertEquals(28.0 / 45, Metrics.f1Macro(pred, gold), 1e-12);
        // binary: class 0 tp 2 fp 1 fn 2 → 4/7; class 1 → 6/9; mean 13/21
        assertEquals(13.0 / 21, Metrics.f1Macro(PRED, GOLD), 1e-12);
        // class 1 is in neither: classes 0 (tp 1, fn 1 → 2/3) and 2 (tp 1, fp 1 → 2/3) only
        assertEquals(2.0 / 3, Metrics.f1Macro(new int[]{0, 2, 2}, new int[]{0, 0, 2}), 1e-12);
        assertEquals(Map.of("f1_macro", 28.0 / 45, "accuracy", 5.0 / 8),
                Metrics.classification(List.of("f1_macro"), pred, gold));
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
    void constantPredictionsHaveNoCorrelation() {
        // scipy.stats.pearsonr / spearmanr give nan here (checked with scipy 1.17); 0 would pass for a real score
        double[] gold = {1, 2, 3, 4};
        double[] flat = {0.1, 0.1, 0.1, 0.1};
        assertTrue(Double.isNaN(Metrics.pearson(flat, gold)));
        assertTrue(Double.isNaN(Metrics.spearman(flat, gold)));
        assertTrue(Double.isNaN(Metrics.pearson(gold, flat)), "constant gold");
        assertTrue(Double.isNaN(Metrics.spearman(new double[]{3}, new double[]{2})), "one example");
    }

    @Test
    void aNonFinitePredictionMakesBothCorrelationsNaN() {
        // scipy (nan_policy "propagate") gives nan for both with a NaN; Spearman used to rank the NaN last
        double[] gold = {1, 2, 3, 5};
        for (double bad : new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            double[] pred = {1, bad, 3, 4};
            assertTrue(Double.isNaN(Metrics.pearson(pred, gold)), "pearson " + bad);
            assertTrue(Double.isNaN(Metrics.spearman(pred, gold)), "spearman " + bad);
        }
    }

    @Test
    void noExamplesIsNoScore() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.accuracy(new int[0], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Metrics.f1(new int[0], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Metrics.pearson(new double[0], new double[0]));
    }
}
