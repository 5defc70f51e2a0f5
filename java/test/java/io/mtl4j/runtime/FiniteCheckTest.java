package io.mtl4j.runtime;

import io.mtl4j.runtime.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FiniteCheckTest {
    private static boolean check(float... values) {
        float[] data = new float[100_000];
        for (int i = 0; i < values.length; i++) {
            data[i * 997] = values[i];
        }
        try (PointerScope scope = new PointerScope()) {
            return FiniteCheck.allFinite(Tensors.floatTensor(data, data.length));
        }
    }

    @Test
    void finiteValuesPass() {
        assertTrue(check(1f, -2f, 3e-30f));
    }

    @Test
    void oneNanOrInfIsCaught() {
        assertFalse(check(1f, Float.NaN));
        assertFalse(check(Float.POSITIVE_INFINITY));
        assertFalse(check(2f, Float.NEGATIVE_INFINITY, 5f));
    }

    @Test
    void hugeButFiniteValuesAreNotMistakenForOverflow() {
        // their squares overflow float: the dot product is inf, the element-wise check must decide
        assertTrue(check(3e30f, -3e30f));
        assertFalse(check(3e30f, Float.NaN));
    }
}
