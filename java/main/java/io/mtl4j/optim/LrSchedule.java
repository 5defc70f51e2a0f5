package io.mtl4j.optim;

/**
 * Learning-rate multiplier per optimizer step, as Hugging Face's schedulers compute it: linear
 * warmup from 0 over {@code warmup} steps, then linear or cosine decay to 0 at {@code total}, or
 * constant. {@code step} is 0-based: the first update uses {@code factor(0)}.
 */
public record LrSchedule(String kind, long warmup, long total) {
    public double factor(long step) {
        if (step < warmup) {
            return (double) step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return switch (kind) {
            case "linear" -> Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
            case "cosine" -> Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            case "constant" -> 1.0;
            default -> throw new IllegalArgumentException("unknown schedule " + kind);
        };
    }
}
