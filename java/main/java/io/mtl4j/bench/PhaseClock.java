package io.mtl4j.bench;

import io.mtl4j.data.Batch;
import io.mtl4j.model.BertConfig;
import io.mtl4j.train.StepTimer;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects what {@link io.mtl4j.train.Trainer} reports over the timed steps: nanoseconds per phase,
 * whole-step time, and the batches (rows, real and padded tokens, model FLOPs).
 */
final class PhaseClock implements StepTimer {
    private final BertConfig model;
    private final EnumMap<Phase, Long> nanos = new EnumMap<>(Phase.class);
    private long stepNanos;
    private long steps;
    private long batches;
    private long rows;
    private long realTokens;
    private long paddedTokens;
    private double flops;

    PhaseClock(BertConfig model) {
        this.model = model;
        for (Phase p : Phase.values()) {
            nanos.put(p, 0L);
        }
    }

    @Override
    public void record(Phase phase, long n) {
        nanos.merge(phase, n, Long::sum);
    }

    @Override
    public void batch(Batch batch) {
        batches++;
        rows += batch.batchSize();
        realTokens += batch.realTokens();
        paddedTokens += batch.paddedTokens();
        flops += ModelFlops.trainingFlops(model, batch.batchSize(), batch.seqLen(), batch.realTokens());
    }

    void step(long n) {
        steps++;
        stepNanos += n;
    }

    double seconds() {
        return stepNanos / 1e9;
    }

    long steps() {
        return steps;
    }

    long batches() {
        return batches;
    }

    long rows() {
        return rows;
    }

    long realTokens() {
        return realTokens;
    }

    long paddedTokens() {
        return paddedTokens;
    }

    double flops() {
        return flops;
    }

    long nanos(Phase phase) {
        return nanos.get(phase);
    }

    /** Time in no phase: the loop itself, logging-free bookkeeping, RNG seeding. */
    long otherNanos() {
        long inPhases = 0;
        for (long n : nanos.values()) {
            inPhases += n;
        }
        return Math.max(0, stepNanos - inPhases);
    }

    double paddingEfficiency() {
        return paddedTokens == 0 ? 1.0 : (double) realTokens / paddedTokens;
    }

    /** Fractions of the step time, keys data, forward, backward, pcgrad, optimizer, communication (gradient all-reduce across ranks), other; they sum to 1. */
    Map<String, Double> breakdown() {
        Map<String, Double> out = new LinkedHashMap<>();
        long total = 0;
        for (Phase p : Phase.values()) {
            total += nanos.get(p);
        }
        total += otherNanos();
        for (Phase p : Phase.values()) {
            out.put(p.name().toLowerCase(java.util.Locale.ROOT), total == 0 ? 0.0 : (double) nanos.get(p) / total);
        }
        out.put("other", total == 0 ? 1.0 : (double) otherNanos() / total);
        return out;
    }
}
