package io.mtl4j.hub;

import java.util.Map;
import java.util.Optional;

/**
 * Where the hub settings ({@code HF_ENDPOINT}, {@code HF_HOME}, {@code HF_HUB_CACHE},
 * {@code HF_TOKEN}, {@code HF_HUB_OFFLINE}, ...) come from. Production code passes
 * {@link #system()}; tests pass {@link #of(Map)} so they never read or change the real
 * environment.
 */
@FunctionalInterface
public interface Env {
    /** The raw value of {@code name}, or null if unset. */
    String raw(String name);

    /** The value of {@code name}, trimmed; empty if unset or blank. */
    default Optional<String> get(String name) {
        String value = raw(name);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(value.trim());
    }

    /** True for 1, true, yes, on (any case), as in {@code huggingface_hub}. */
    default boolean isTrue(String name) {
        return get(name)
                .map(v -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
                    case "1", "true", "yes", "on" -> true;
                    default -> false;
                })
                .orElse(false);
    }

    /** The process environment. */
    static Env system() {
        return System::getenv;
    }

    /** A fixed map, for tests. */
    static Env of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return copy::get;
    }
}
