package io.mtl4j.data;

import java.util.List;

/**
 * What {@code mtl4j data stats} reports about one task.
 *
 * @param task              task name
 * @param splits            the splits found, in the task's split order (train first)
 * @param paddingEfficiency real / padded tokens of the default batching (length-bucketed,
 *                          batch 32) over one epoch of train
 */
public record DataStats(String task, List<SplitStats> splits, double paddingEfficiency) {
    public DataStats {
        splits = List.copyOf(splits);
    }
}
