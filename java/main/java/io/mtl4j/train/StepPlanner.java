package io.mtl4j.train;

import io.mtl4j.data.Batch;
import io.mtl4j.data.TaskSampler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides what each optimizer step trains on, ahead of the step: the task (sampled; every task
 * with PCGrad), the micro-batches of this rank's shard, assembled, and where the sampler and the
 * task streams stand afterwards (what a checkpoint taken after that step must store).
 *
 * <p>It owns the sampler and the streams: once a {@link io.mtl4j.data.Prefetcher} runs it, no
 * other thread touches them. Every plan it returns is immutable and shares nothing with it.
 */
final class StepPlanner {
    /** One task's share of a step: this rank's micro-batches and the example count of all ranks'. */
    record TaskShard(String task, List<Batch> mine, long examples) {
    }

    /** Everything one step needs from the data, and the data state after it. */
    record StepPlan(List<TaskShard> shards, TaskSampler.State samplerAfter, Map<String, TaskStream.Cursor> cursorsAfter) {
        long examples() {
            return shards.stream().mapToLong(TaskShard::examples).sum();
        }
    }

    private final List<String> tasks;
    private final TaskSampler sampler;
    private final Map<String, TaskStream> streams;
    private final boolean everyTask;
    private final int gradAccum;
    private final int rank;
    private final int worldSize;

    StepPlanner(List<String> tasks, TaskSampler sampler, Map<String, TaskStream> streams, boolean everyTask,
                int gradAccum, int rank, int worldSize) {
        this.tasks = List.copyOf(tasks);
        this.sampler = sampler;
        this.streams = streams;
        this.everyTask = everyTask;
        this.gradAccum = gradAccum;
        this.rank = rank;
        this.worldSize = worldSize;
    }

    StepPlan next() {
        List<String> stepTasks = everyTask ? tasks : List.of(tasks.get(sampler.next()));
        List<TaskShard> shards = new ArrayList<>();
        for (String task : stepTasks) {
            shards.add(shard(task));
        }
        return new StepPlan(List.copyOf(shards), sampler.state(), cursors());
    }

    /**
     * All ranks draw the same {@code grad-accum × W} batches from the task's stream; this rank
     * trains on every W-th, starting at its rank.
     */
    private TaskShard shard(String task) {
        TaskStream stream = streams.get(task);
        List<Batch> mine = new ArrayList<>();
        long examples = 0;
        for (int i = 0; i < gradAccum * worldSize; i++) {
            int[] indices = stream.nextIndices();
            if (i % worldSize == rank) {
                mine.add(stream.assemble(indices));
            }
            examples += indices.length;
        }
        return new TaskShard(task, List.copyOf(mine), examples);
    }

    /** Where the streams stand now, in the streams' order (Map.copyOf's order changes from JVM to JVM). */
    Map<String, TaskStream.Cursor> cursors() {
        Map<String, TaskStream.Cursor> cursors = new LinkedHashMap<>();
        streams.forEach((t, s) -> cursors.put(t, s.cursor()));
        return Collections.unmodifiableMap(cursors);
    }
}
