package io.mtl4j.cli;

import io.mtl4j.model.CheckpointWriter;
import io.mtl4j.nativelib.Pcgrad;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.NativeRuntime;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code mtl4j pcgrad apply}: combines g0..g{T-1} from a safetensors file into one gradient. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {
                "Combines T task gradients into one with PCGrad.",
                "Each task's gradient is projected away from every other task's gradient it conflicts with",
                "(negative dot product), then the projected gradients are summed (or averaged).",
                "",
                "For each task i, g_i' starts as g_i; for each other task j, in an order chosen per i:",
                "  if g_i'.g_j < 0:   g_i' <- g_i' - (g_i'.g_j / (|g_j|^2 + 1e-12)) g_j",
                "always projecting onto the original g_j. Result: combined = sum_i g_i'  (mean: / T).",
                "",
                "Input: a safetensors file with exactly the tensors g0, g1, ..., g{T-1} (T >= 2), each",
                "1-D float32 of the same length (flatten a model's gradients into one vector per task).",
                "Output: a safetensors file with the tensor 'combined', written atomically; its metadata",
                "records order, seed, reduction and conflicts (projections applied per task, e.g. \"1,0\").",
                "",
                "Example (g0 = [1, 0], g1 = [-1, 1] conflict: g0' = [0.5, 0.5], g1' = [0, 1]):",
                "  mtl4j pcgrad apply --input grads.safetensors --output combined.safetensors --order fixed",
                "  -> combined = [0.5, 1.5], conflicts 1,1",
                ""})
public final class PcgradApplyCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(PcgradApplyCommand.class);

    enum Order { random, fixed }

    enum ReductionOption {
        sum(Pcgrad.Reduction.SUM), mean(Pcgrad.Reduction.MEAN);

        final Pcgrad.Reduction reduction;

        ReductionOption(Pcgrad.Reduction reduction) {
            this.reduction = reduction;
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "G.safetensors",
            description = "Task gradients g0..g{T-1}: 1-D float32, same length.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "O.safetensors",
            description = "Where to write the tensor 'combined' (atomically).")
    Path output;

    @Option(names = "--order", defaultValue = "random", paramLabel = "random|fixed",
            description = "random: a seeded random permutation of the other tasks per task (as in the paper); "
                    + "fixed: j ascending, skipping i. Default: ${DEFAULT-VALUE}.")
    Order order;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random orders. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--reduction", defaultValue = "sum", paramLabel = "sum|mean",
            description = "Sum or average the projected gradients. Default: ${DEFAULT-VALUE}.")
    ReductionOption reduction;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;

    @Override
    public Integer call() throws Exception {
        List<Tensor> cpuGrads = TaskGradientsFile.read(input);
        int tasks = cpuGrads.size();
        long n = cpuGrads.get(0).numel();
        int[][] orders = order == Order.random ? Pcgrad.shuffledOrders(tasks, new Random(seed)) : null;
        NativeRuntime.ensureLoaded();
        Device dev = Devices.resolve(device);
        Pcgrad.Result result;
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> grads = new ArrayList<>(tasks);
            for (Tensor g : cpuGrads) {
                grads.add(dev.is_cpu() ? g : g.to(dev, torch.ScalarType.Float));
            }
            Tensor out = torch.empty_like(grads.get(0));
            result = Pcgrad.apply(grads, orders, reduction.reduction, out);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("combined", out.cpu());
            CheckpointWriter.writeSafetensors(tensors, output, metadata(tasks, result));
        }
        LOG.info("combined {} task gradients of {} elements on {}", tasks, n, Devices.name(dev));
        spec.commandLine().getOut().printf("combined %d task gradients of %d elements (%s order, %s): conflicts per task %s -> %s%n",
                tasks, n, order, reduction, Arrays.toString(result.conflicts()), output);
        return 0;
    }

    private Map<String, String> metadata(int tasks, Pcgrad.Result result) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("method", "pcgrad");
        meta.put("tasks", String.valueOf(tasks));
        meta.put("order", order.name());
        meta.put("seed", String.valueOf(seed));
        meta.put("reduction", reduction.name());
        meta.put("conflicts", Arrays.stream(result.conflicts()).mapToObj(String::valueOf).collect(Collectors.joining(",")));
        return meta;
    }
}
