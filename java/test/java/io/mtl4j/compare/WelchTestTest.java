package io.mtl4j.compare;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Student's t tail against closed forms and table values, and Welch's test against a hand computation. */
class WelchTestTest {
    @Test
    void tailsMatchTheClosedFormsOfOneAndTwoDegreesOfFreedom() {
        for (double t : new double[]{0.1, 0.5, 1, 2, 4.3027, 12.706, 50}) {
            assertEquals(1 - 2 / Math.PI * Math.atan(t), WelchTest.twoSidedP(t, 1), 1e-12, "df 1 (Cauchy), t " + t);
            assertEquals(1 - t / Math.sqrt(2 + t * t), WelchTest.twoSidedP(t, 2), 1e-12, "df 2, t " + t);
            assertEquals(WelchTest.twoSidedP(t, 2), WelchTest.twoSidedP(-t, 2), 0, "two-sided: symmetric");
        }
    }

    @Test
    void tailsMatchTablesOfTheTDistribution() {
        assertEquals(0.05, WelchTest.twoSidedP(2.228139, 10), 1e-6);
        assertEquals(0.01, WelchTest.twoSidedP(3.169273, 10), 1e-6);
        assertEquals(0.05, WelchTest.twoSidedP(2.570582, 5), 1e-6);
        assertEquals(0.05, WelchTest.twoSidedP(1.959964, 1e9), 1e-6, "the normal limit");
        assertEquals(1, WelchTest.twoSidedP(0, 3), 1e-15);
    }

    @Test
    void logGammaMatchesFactorialsAndHalfIntegers() {
        assertEquals(Math.log(24), WelchTest.logGamma(5), 1e-13);
        assertEquals(0.5 * Math.log(Math.PI), WelchTest.logGamma(0.5), 1e-13);
        assertEquals(Math.log(0.75 * Math.sqrt(Math.PI)), WelchTest.logGamma(2.5), 1e-13);
    }

    @Test
    void welchMatchesAHandComputation() {
        // a: 0.87, 0.88, 0.86 (mean 0.87, sd 0.01); b: 0.90, 0.91 (mean 0.905, sd 0.00707107)
        Report.Stats a = new Report.Stats(0.87, 0.01, 3);
        Report.Stats b = new Report.Stats(0.905, Math.sqrt(0.00005), 2);
        double va = 0.0001 / 3;
        double vb = 0.00005 / 2;
        double t = 0.035 / Math.sqrt(va + vb);
        double df = Math.pow(va + vb, 2) / (va * va / 2 + vb * vb / 1);
        assertEquals(WelchTest.twoSidedP(t, df), WelchTest.pValue(a, b), 1e-15);
        assertEquals(WelchTest.pValue(a, b), WelchTest.pValue(b, a), 1e-15);
        assertTrue(Double.isNaN(WelchTest.pValue(new Report.Stats(0.9, Double.NaN, 1), b)), "one seed: no test");
        assertEquals(0, WelchTest.pValue(new Report.Stats(0.9, 0, 2), new Report.Stats(0.8, 0, 2)));
        assertEquals(1, WelchTest.pValue(new Report.Stats(0.9, 0, 2), new Report.Stats(0.9, 0, 2)));
    }
}
