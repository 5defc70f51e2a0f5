package io.mtl4j.bench;

import io.mtl4j.data.Batcher;
import io.mtl4j.util.UserError;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The order in which inference runs the length-sorted batches of a split. */
enum InferenceOrder {
    /** What eval, predict and training's dev evaluations do. */
    LONGEST_FIRST,
    /** The same batches, shortest first: each batch is larger than all before it. */
    SHORTEST_FIRST;

    List<int[]> plan(int[] lengths, int batchSize) {
        List<int[]> plan = new ArrayList<>(Batcher.longestFirst(lengths, batchSize));
        if (this == SHORTEST_FIRST) {
            Collections.reverse(plan);
        }
        return plan;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static InferenceOrder parse(String id) {
        for (InferenceOrder o : values()) {
            if (o.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                return o;
            }
        }
        throw new UserError("unknown order '" + id + "'; use longest-first or shortest-first");
    }
}
