package io.mtl4j.bench;

import io.mtl4j.nativelib.Pcgrad;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * PCGrad written with LibTorch ops the way the popular Python implementations are: for each
 * task, clone its gradient; for each other task in its order, a dot product and, when negative,
 * the squared norm of the other gradient and an in-place axpy; then sum. Between T(T-1)+1 and
 * about 3T(T-1)+2 passes over memory, against 2T+1 for the native library's two passes; the
 * benchmark's baseline.
 */
public final class NaivePcgrad {
    private NaivePcgrad() {
    }

    /** orders: null for the fixed order (j ascending, skipping i). Returns a new tensor. */
    public static Tensor apply(List<Tensor> grads, int[][] orders, Pcgrad.Reduction reduction, double eps) {
        int tasks = grads.size();
        Tensor total = null;
        for (int i = 0; i < tasks; i++) {
            Tensor gi = grads.get(i).clone();
            for (int p = 0; p < tasks - 1; p++) {
                int j = orders != null ? orders[i][p] : (p < i ? p : p + 1);
                Tensor gj = grads.get(j);
                double dot = gi.dot(gj).item_double();
                if (dot < 0) {
                    double norm2 = gj.dot(gj).item_double();
                    gi.sub_(gj, new Scalar(dot / (norm2 + eps)));
                }
            }
            total = total == null ? gi : total.add_(gi);
        }
        if (reduction == Pcgrad.Reduction.MEAN) {
            total.div_(new Scalar((double) tasks));
        }
        return total;
    }
}
