package io.mtl4j.bench;

import io.mtl4j.model.InputBatch;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.runtime.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * The fixed cost of one training forward pass, whatever the batch: the fastest of a few forward +
 * loss passes on a batch of one 2-token sequence, where the arithmetic is negligible. What is left
 * is the Java glue plus LibTorch's per-op dispatch and autograd recording, so it is an upper bound
 * on the Java side of a forward pass. The minimum, not the median: on a shared machine other
 * processes only ever make a run slower, and a slow run says more about them than about us.
 * Measured with one LibTorch thread: with more, every op's parallel region waits for worker threads
 * to wake up, which on a busy machine costs milliseconds per op (seen: 330 ms for this forward) and
 * is the scheduler's time, not the host code's.
 */
final class ForwardFloor {
    private ForwardFloor() {
    }

    static long minNanos(MultiTaskModel model, String task, Device device, int repeats) {
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try {
            return fastestRun(model, task, device, repeats);
        } finally {
            torch.set_num_threads(threads);
        }
    }

    private static long fastestRun(MultiTaskModel model, String task, Device device, int repeats) {
        long[] nanos = new long[repeats + 1];
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = cpu.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        for (int r = 0; r < nanos.length; r++) {
            try (PointerScope scope = new PointerScope()) {
                long t0 = System.nanoTime();
                InputBatch in = new InputBatch(move(Tensors.longTensor(new long[]{1, 1}, 1, 2), device),
                        move(Tensors.longTensor(new long[]{0, 0}, 1, 2), device),
                        move(Tensors.longTensor(new long[]{1, 1}, 1, 2), device));
                Tensor out = model.forward(task, in, true).to(torch.ScalarType.Float);
                Tensor loss = model.spec(task).regression() ? out.sum()
                        : torch.cross_entropy_loss(out, move(Tensors.longTensor(new long[]{0}, 1), device),
                        new TensorOptional(), 2, -100, 0.0);
                loss.item_double();
                nanos[r] = System.nanoTime() - t0;
            }
        }
        org.apache.logging.log4j.LogManager.getLogger(ForwardFloor.class).debug(
                "forward floor: {} runs, thread CPU {} ms of {} ms wall, fastest {} ms",
                nanos.length, (cpu.getCurrentThreadCpuTime() - cpu0) / 1_000_000, (System.nanoTime() - wall0) / 1_000_000,
                Arrays.stream(nanos).min().orElse(0) / 1_000_000.0);
        long[] timed = Arrays.copyOfRange(nanos, 1, nanos.length); // the first is a warm-up
        return Arrays.stream(timed).min().orElseThrow();
    }

    private static Tensor move(Tensor t, Device device) {
        return device.is_cpu() ? t : t.to(device, torch.ScalarType.Long);
    }
}
