package io.mtl4j.compare;

/**
 * Welch's two-sample t-test: whether two means differ beyond the spread of the samples, without
 * assuming equal variances. The p-value comes from Student's t distribution with the
 * Welch–Satterthwaite degrees of freedom, through the regularized incomplete beta function.
 */
final class WelchTest {
    private WelchTest() {
    }

    /**
     * The two-sided p-value of the difference between two samples' means; NaN when either sample has
     * fewer than two values or a mean or spread is undefined. Two samples without spread give 0 when
     * their means differ and 1 when they are equal.
     */
    static double pValue(Report.Stats a, Report.Stats b) {
        if (a.n() < 2 || b.n() < 2) {
            return Double.NaN;
        }
        double va = a.std() * a.std() / a.n();
        double vb = b.std() * b.std() / b.n();
        double delta = b.mean() - a.mean();
        if (Double.isNaN(delta) || Double.isNaN(va) || Double.isNaN(vb)) {
            return Double.NaN;
        }
        if (va + vb == 0) {
            return delta == 0 ? 1 : 0;
        }
        double t = delta / Math.sqrt(va + vb);
        double df = (va + vb) * (va + vb) / (va * va / (a.n() - 1) + vb * vb / (b.n() - 1));
        return twoSidedP(t, df);
    }

    /** P(|T| >= |t|) for Student's t with {@code df} degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
    static double twoSidedP(double t, double df) {
        if (Double.isInfinite(t)) {
            return 0;
        }
        return regularizedBeta(df / (df + t * t), df / 2, 0.5);
    }

    /** I_x(a, b), by the continued fraction on whichever side converges fast. */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
        if (x < (a + 1) / (a + b + 2)) {
            return Math.exp(logFront) * betaContinuedFraction(x, a, b) / a;
        }
        return 1 - Math.exp(logFront) * betaContinuedFraction(1 - x, b, a) / b;
    }

    /** The continued fraction of the incomplete beta function, evaluated by Lentz's method. */
    private static double betaContinuedFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.abs(d) < tiny ? tiny : d);
        double f = d;
        for (int m = 1; m <= 10_000; m++) {
            // even term d_{2m}, then odd term d_{2m+1}
            double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 + even * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + even / c;
            c = Math.abs(c) < tiny ? tiny : c;
            f *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + odd * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + odd / c;
            c = Math.abs(c) < tiny ? tiny : c;
            double step = d * c;
            f *= step;
            if (Math.abs(step - 1) < 1e-15) {
                break;
            }
        }
        return f;
    }

    private static double logBeta(double a, double b) {
        return logGamma(a) + logGamma(b) - logGamma(a + b);
    }

    /** ln Γ(x) for x > 0: Lanczos' approximation (g = 7, nine terms), with the reflection-free shift below 0.5. */
    static double logGamma(double x) {
        if (x < 0.5) {
            // Γ(x) = Γ(x + 1) / x
            return logGamma(x + 1) - Math.log(x);
        }
        double[] coefficients = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
                1.5056327351493116e-7};
        double z = x - 1;
        double sum = coefficients[0];
        for (int i = 1; i < coefficients.length; i++) {
            sum += coefficients[i] / (z + i);
        }
        double t = z + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
