package io.mtl4j.util;

import java.util.Locale;

/** Numbers printed for people: in logs and reports. */
public final class Numbers {
    private Numbers() {
    }

    /** A rate or temperature as people write it: 5e-5, 0.01, 2. */
    public static String human(double v) {
        if (v != 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4)) {
            String[] parts = String.format(Locale.ROOT, "%.3e", v).split("e");
            return stripZeros(parts[0]) + "e" + Integer.parseInt(parts[1]);
        }
        return stripZeros(String.format(Locale.ROOT, "%.4f", v));
    }

    private static String stripZeros(String decimal) {
        return decimal.contains(".") ? decimal.replaceAll("0+$", "").replaceAll("\\.$", "") : decimal;
    }
}
