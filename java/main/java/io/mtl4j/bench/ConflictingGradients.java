package io.mtl4j.bench;

import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded synthetic task gradients in which a chosen share of the T(T-1)/2 task pairs conflict
 * (negative dot product).
 *
 * <p>Construction: every g_k is Gaussian noise (std {@value #NOISE_STD}). The n elements are cut
 * into one segment per pair (i, j); in that segment both g_i and g_j also get the same random
 * vector u (std 1), g_j with its sign flipped when the pair is meant to conflict. So
 * g_i.g_j ~ +-|u|^2 = +-n/P while every other term of the dot product is noise of order sqrt(n):
 * the sign of each pair is as chosen once n is a few hundred times P. round(rate * P) pairs, drawn
 * with the seed, conflict; {@link #conflictShare} measures the share actually obtained.
 */
public final class ConflictingGradients {
    static final double NOISE_STD = 0.5;
    /** Fewer elements per pair than this and the noise could flip the chosen signs. */
    static final long MIN_ELEMENTS_PER_PAIR = 256;

    private ConflictingGradients() {
    }

    /** T float32 vectors of n elements on the device; uses (and reseeds) LibTorch's global generator. */
    public static List<Tensor> generate(int tasks, long n, double conflictRate, long seed, Device device) {
        if (tasks < 2) {
            throw new UserError("--tasks must be at least 2, got " + tasks);
        }
        if (!(conflictRate >= 0 && conflictRate <= 1)) {
            throw new UserError("--conflict-rate must be in [0, 1], got " + conflictRate);
        }
        int pairs = tasks * (tasks - 1) / 2;
        if (n < MIN_ELEMENTS_PER_PAIR * pairs) {
            throw new UserError("--params must be at least " + MIN_ELEMENTS_PER_PAIR * pairs + " for " + tasks
                    + " tasks (" + MIN_ELEMENTS_PER_PAIR + " per task pair), got " + n);
        }
        NativeRuntime.ensureLoaded();
        boolean[] conflicting = chooseConflictingPairs(pairs, conflictRate, new Random(seed));
        torch.manual_seed(seed);
        List<Tensor> grads = new ArrayList<>(tasks);
        for (int k = 0; k < tasks; k++) {
            grads.add(torch.randn(n).mul_(new Scalar(NOISE_STD)));
        }
        long segment = n / pairs;
        int p = 0;
        for (int i = 0; i < tasks; i++) {
            for (int j = i + 1; j < tasks; j++, p++) {
                Tensor u = torch.randn(segment);
                grads.get(i).narrow(0, p * segment, segment).add_(u);
                grads.get(j).narrow(0, p * segment, segment).add_(u, new Scalar(conflicting[p] ? -1.0 : 1.0));
            }
        }
        if (device.is_cpu()) {
            return grads;
        }
        List<Tensor> onDevice = new ArrayList<>(tasks);
        for (Tensor g : grads) {
            onDevice.add(g.to(device, torch.ScalarType.Float));
        }
        return onDevice;
    }

    /** round(rate * pairs) of the pairs, chosen at random. */
    static boolean[] chooseConflictingPairs(int pairs, double rate, Random rng) {
        List<Integer> indices = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            indices.add(p);
        }
        Collections.shuffle(indices, rng);
        boolean[] conflicting = new boolean[pairs];
        long count = Math.round(rate * pairs);
        for (int c = 0; c < count; c++) {
            conflicting[indices.get(c)] = true;
        }
        return conflicting;
    }

    /** The share of task pairs i &lt; j with g_i.g_j &lt; 0, from a row-major T x T Gram matrix. */
    public static double conflictShare(double[] gram, int tasks) {
        int negative = 0;
        for (int i = 0; i < tasks; i++) {
            for (int j = i + 1; j < tasks; j++) {
                if (gram[i * tasks + j] < 0) {
                    negative++;
                }
            }
        }
        return negative / (tasks * (tasks - 1) / 2.0);
    }

    /** The Gram matrix of the gradients (any device), computed with LibTorch dot products. */
    public static double[] gram(List<Tensor> grads) {
        int tasks = grads.size();
        double[] gram = new double[tasks * tasks];
        for (int i = 0; i < tasks; i++) {
            for (int j = i; j < tasks; j++) {
                double d = grads.get(i).dot(grads.get(j)).item_double();
                gram[i * tasks + j] = d;
                gram[j * tasks + i] = d;
            }
        }
        return gram;
    }
}
