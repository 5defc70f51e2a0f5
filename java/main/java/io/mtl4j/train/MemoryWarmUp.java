package io.mtl4j.train;

import io.mtl4j.cli.ProgressBar;
import io.mtl4j.data.Batch;
import io.mtl4j.model.MultiTaskModel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Before the first step, one forward and backward (no update) of a batch of every padded length
 * each task can produce, longest first. The allocator then holds the run's working set for every
 * shape from the start, so resident memory does not creep up over the first hundreds of steps as
 * rarer lengths turn up (measured with bench soak), and a batch too big for memory fails now, not
 * hours in. Every step zeroes the gradients and reseeds dropout, so training is unchanged (tested
 * bit for bit). Costs one pass per distinct length: 12 s for SST-2 at batch 8, 5 minutes for
 * SST-2 + MNLI + QQP at batch 32 on a 2-core CPU; {@code memory-warmup: false} skips it.
 */
final class MemoryWarmUp {
    // Logged under the trainer's name, as before these lines moved here out of Trainer.
    private static final Logger LOG = LogManager.getLogger(Trainer.class);

    /** The trainer's forward and backward of one batch of a task, accumulating gradients without an update. */
    interface Pass {
        void backward(String task, Batch batch);
    }

    private MemoryWarmUp() {
    }

    /**
     * Runs {@code pass} over every task's shape-covering batches, then zeroes the gradients it left.
     *
     * @param main          this is rank 0, which logs the warm-up and shows its progress bar
     * @param stopRequested polled before each batch: a stop ends the warm-up early
     */
    static void run(List<String> tasks, Map<String, TaskStream> streams, MultiTaskModel model, boolean main,
                    BooleanSupplier stopRequested, Pass pass) {
        long started = System.nanoTime();
        int batches = 0;
        Map<String, List<Batch>> shapes = new LinkedHashMap<>();
        for (String task : tasks) {
            shapes.put(task, streams.get(task).shapeCoveringBatches());
        }
        long total = shapes.values().stream().mapToLong(List::size).sum();
        if (main) {
            LOG.info("memory warm-up: one forward and backward of each of {} batch shapes before step 1"
                    + " (--memory-warmup false skips it)", total);
        }
        try (ProgressBar bar = main ? new ProgressBar("warm-up", total) : ProgressBar.silent("warm-up", total)) {
            shapes:
            for (Map.Entry<String, List<Batch>> e : shapes.entrySet()) {
                for (Batch batch : e.getValue()) {
                    if (stopRequested.getAsBoolean()) {
                        LOG.warn("stop requested during the memory warm-up");
                        break shapes;
                    }
                    try (PointerScope scope = new PointerScope()) {
                        pass.backward(e.getKey(), batch);
                    }
                    batches++;
                    bar.step(1);
                }
            }
        }
        model.shared().zeroGrad();
        model.heads().zeroGrad();
        LOG.info("memory warm-up: {} batch shapes in {} ms", batches, (System.nanoTime() - started) / 1_000_000);
    }
}
