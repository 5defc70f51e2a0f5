package io.mtl4j.nativelib;

/**
 * PCGrad as written in the paper, sequential projections on double arrays: the reference the
 * native library is tested against. Slow (T(T-1) passes over the data); not for training.
 */
public final class PcgradReference {
    private PcgradReference() {}

    /** orders: null for the fixed order (j ascending, skipping i), else orders[i] lists the other tasks. */
    public static double[] apply(double[][] grads, int[][] orders, Pcgrad.Reduction reduction, double eps) {
        int tasks = grads.length;
        int n = grads[0].length;
        double[] out = new double[n];
        for (int i = 0; i < tasks; i++) {
            double[] gi = grads[i].clone();
            for (int p = 0; p < tasks - 1; p++) {
                int j = orders != null ? orders[i][p] : (p < i ? p : p + 1);
                double[] gj = grads[j];
                double dot = 0;
                double norm2 = 0;
                for (int x = 0; x < n; x++) {
                    dot += gi[x] * gj[x];
                    norm2 += gj[x] * gj[x];
                }
                if (dot < 0) {
                    double c = dot / (norm2 + eps);
                    for (int x = 0; x < n; x++) {
                        gi[x] -= c * gj[x];
                    }
                }
            }
            for (int x = 0; x < n; x++) {
                out[x] += gi[x];
            }
        }
        if (reduction == Pcgrad.Reduction.MEAN) {
            for (int x = 0; x < n; x++) {
                out[x] /= tasks;
            }
        }
        return out;
    }
}
