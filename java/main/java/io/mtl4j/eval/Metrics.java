package io.mtl4j.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GLUE metrics, as fractions in [0, 1] (correlations in [-1, 1], or NaN where a correlation is
 * undefined: see {@link #pearson}).
 */
public final class Metrics {
    private Metrics() {
    }

    public static double accuracy(int[] predicted, int[] gold) {
        check(predicted.length, gold.length);
        int right = 0;
        for (int i = 0; i < gold.length; i++) {
            right += predicted[i] == gold[i] ? 1 : 0;
        }
        return (double) right / gold.length;
    }

    /** F1 of the positive class (label 1), as GLUE scores MRPC and QQP. */
    public static double f1(int[] predicted, int[] gold) {
        check(predicted.length, gold.length);
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < gold.length; i++) {
            if (predicted[i] == 1 && gold[i] == 1) {
                tp++;
            } else if (predicted[i] == 1) {
                fp++;
            } else if (gold[i] == 1) {
                fn++;
            }
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /**
     * Macro-averaged F1: the mean over the labels found in {@code gold} or {@code predicted} of each
     * label's F1 against the rest, as sklearn's {@code f1_score(average="macro")}. For tasks with
     * more than two labels, where {@link #f1} (label 1 alone) says little.
     */
    public static double f1Macro(int[] predicted, int[] gold) {
        check(predicted.length, gold.length);
        Map<Integer, long[]> counts = new java.util.TreeMap<>(); // label -> {tp, fp, fn}
        for (int i = 0; i < gold.length; i++) {
            if (predicted[i] == gold[i]) {
                counts.computeIfAbsent(gold[i], k -> new long[3])[0]++;
            } else {
                counts.computeIfAbsent(predicted[i], k -> new long[3])[1]++;
                counts.computeIfAbsent(gold[i], k -> new long[3])[2]++;
            }
        }
        double sum = 0;
        for (long[] c : counts.values()) {
            sum += 2.0 * c[0] / (2.0 * c[0] + c[1] + c[2]);
        }
        return sum / counts.size();
    }

    /**
     * Matthews correlation coefficient (CoLA), as sklearn's {@code matthews_corrcoef} computes it;
     * 0 when undefined (every example predicted as one class, or of one gold class). Labels 0 and 1
     * use the 2x2 formula; other labels the multiclass statistic R_K (Gorodkin 2004), which is the
     * same number for two classes.
     */
    public static double matthews(int[] predicted, int[] gold) {
        check(predicted.length, gold.length);
        return isBinary(predicted) && isBinary(gold) ? binaryMatthews(predicted, gold) : multiclassMatthews(predicted, gold);
    }

    private static boolean isBinary(int[] labels) {
        for (int label : labels) {
            if (label != 0 && label != 1) {
                return false;
            }
        }
        return true;
    }

    private static double binaryMatthews(int[] predicted, int[] gold) {
        double tp = 0;
        double tn = 0;
        double fp = 0;
        double fn = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean p = predicted[i] == 1;
            boolean g = gold[i] == 1;
            if (p && g) {
                tp++;
            } else if (!p && !g) {
                tn++;
            } else if (p) {
                fp++;
            } else {
                fn++;
            }
        }
        double denom = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        return denom == 0 ? 0 : (tp * tn - fp * fn) / denom;
    }

    /**
     * R_K = (c·s − Σ t_k·p_k) / sqrt((s² − Σ p_k²)·(s² − Σ t_k²)), with t_k and p_k the gold and
     * predicted counts of class k, c the correct predictions and s the examples. The sums are exact
     * in a long: s ≤ 2^31, so each is at most s² ≤ 2^62.
     */
    private static double multiclassMatthews(int[] predicted, int[] gold) {
        int largest = Math.max(Arrays.stream(predicted).max().getAsInt(), Arrays.stream(gold).max().getAsInt());
        int classes = Math.max(largest, 0) + 1;
        long[] goldCount = new long[classes];
        long[] predictedCount = new long[classes];
        long correct = 0;
        for (int i = 0; i < gold.length; i++) {
            if (gold[i] < 0 || predicted[i] < 0) {
                throw new IllegalArgumentException("example " + i + ": negative label " + Math.min(gold[i], predicted[i]));
            }
            goldCount[gold[i]]++;
            predictedCount[predicted[i]]++;
            correct += predicted[i] == gold[i] ? 1 : 0;
        }
        long s = gold.length;
        long goldDotPredicted = 0;
        long predictedSquares = 0;
        long goldSquares = 0;
        for (int k = 0; k < classes; k++) {
            goldDotPredicted += goldCount[k] * predictedCount[k];
            predictedSquares += predictedCount[k] * predictedCount[k];
            goldSquares += goldCount[k] * goldCount[k];
        }
        double covariance = correct * s - goldDotPredicted;
        double varianceProduct = (double) (s * s - predictedSquares) * (s * s - goldSquares);
        return varianceProduct == 0 ? 0 : covariance / Math.sqrt(varianceProduct);
    }

    /**
     * Pearson's correlation; NaN when it is undefined: when either side is constant (scipy's
     * {@code pearsonr} gives NaN too) or holds a NaN or an infinity (a broken model). A collapsed
     * regression head then scores NaN, not a 0 that would pass for a real score; a NaN mean of
     * main metrics never becomes the best checkpoint, and JSON files hold it as {@code "NaN"}.
     */
    public static double pearson(double[] x, double[] y) {
        check(x.length, y.length);
        if (noCorrelation(x) || noCorrelation(y)) {
            return Double.NaN;
        }
        int n = x.length;
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /**
     * Spearman's rank correlation: Pearson on ranks, ties given their average rank. NaN when
     * undefined, as {@link #pearson}: a constant side, a NaN or an infinity (ranked, a NaN would
     * count as the largest value and give a finite score).
     */
    public static double spearman(double[] x, double[] y) {
        check(x.length, y.length);
        if (noCorrelation(x) || noCorrelation(y)) {
            return Double.NaN;
        }
        return pearson(ranks(x), ranks(y));
    }

    /** True if a correlation with {@code values} is undefined: they hold a non-finite value or are all equal. */
    private static boolean noCorrelation(double[] values) {
        boolean constant = true;
        for (double v : values) {
            if (!Double.isFinite(v)) {
                return true;
            }
            constant &= v == values[0];
        }
        return constant;
    }

    static double[] ranks(double[] values) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        double[] ranks = new double[n];
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && values[order[j + 1]] == values[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                ranks[order[k]] = rank;
            }
            i = j + 1;
        }
        return ranks;
    }

    /** The named metrics of a classification task. */
    public static Map<String, Double> classification(List<String> names, int[] predicted, int[] gold) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String name : names) {
            switch (name) {
                case "accuracy" -> out.put(name, accuracy(predicted, gold));
                case "f1" -> out.put(name, f1(predicted, gold));
                case "f1_macro" -> out.put(name, f1Macro(predicted, gold));
                case "matthews" -> out.put(name, matthews(predicted, gold));
                default -> throw new IllegalArgumentException("metric " + name + " does not apply to classification");
            }
        }
        if (!out.containsKey("accuracy")) {
            out.put("accuracy", accuracy(predicted, gold));
        }
        return out;
    }

    public static Map<String, Double> regression(List<String> names, double[] predicted, double[] gold) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String name : names) {
            switch (name) {
                case "pearson" -> out.put(name, pearson(predicted, gold));
                case "spearman" -> out.put(name, spearman(predicted, gold));
                default -> throw new IllegalArgumentException("metric " + name + " does not apply to regression");
            }
        }
        return out;
    }

    private static void check(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException(a + " predictions for " + b + " labels");
        }
        if (b == 0) {
            throw new IllegalArgumentException("no examples to score"); // a score of 0 would pass for a real one
        }
    }
}
