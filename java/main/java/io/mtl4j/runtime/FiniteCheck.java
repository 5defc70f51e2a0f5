package io.mtl4j.runtime;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Whether a (large, flat) tensor holds only finite values, in one read pass in the common case. */
public final class FiniteCheck {
    private FiniteCheck() {
    }

    /**
     * The sum of squares is finite exactly when every element is, unless it overflowed; only then is
     * each element checked. {@code isfinite(t).all()} alone builds several full-size temporaries:
     * 0.3-0.5 s per step for MiniLM's 22.7M gradients on 2 cores, against ~5 ms for the dot product.
     */
    public static boolean allFinite(Tensor t) {
        return allFinite(t, sumOfSquares(t));
    }

    /** As {@link #allFinite(Tensor)}, given the tensor's {@link #sumOfSquares(Tensor)}. */
    public static boolean allFinite(Tensor t, double sumOfSquares) {
        if (Double.isFinite(sumOfSquares)) {
            return true;
        }
        try (PointerScope scope = new PointerScope()) {
            return torch.isfinite(t).all().item_bool();
        }
    }

    /** The sum of the squared elements, computed in the tensor's dtype as gradient clipping does. */
    public static double sumOfSquares(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor flat = t.reshape(-1);
            return flat.dot(flat).item_double();
        }
    }
}
