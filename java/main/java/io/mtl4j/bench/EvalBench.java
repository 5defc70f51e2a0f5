package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.cli.Main;
import io.mtl4j.cli.ModelArgument;
import io.mtl4j.cli.ProgressBar;
import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.Batcher;
import io.mtl4j.data.BatchingConfig;
import io.mtl4j.data.CacheDirs;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.data.TokenizedSplits;
import io.mtl4j.eval.Evaluator;
import io.mtl4j.hub.Env;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.HeadInput;
import io.mtl4j.model.HeadSpec;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.train.TaskData;
import io.mtl4j.util.ThisJvm;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code mtl4j bench eval}: inference throughput of a dev evaluation, by batch size and batch order.
 * Each measurement runs in a fresh JVM, because the native allocator's state carries over within a
 * process: the memory one order leaves behind would speed up the next.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Inference throughput of one dev evaluation, by batch size and batch order.",
                "Times Evaluator.predict (what eval, predict and training's dev evaluations run) over a split",
                "batched by length, once per batch size and order, each in a fresh process (JVM start, model",
                "and data loading untimed). Orders: longest-first (what mtl4j does) and shortest-first (the",
                "same batches reversed, so each batch is larger than any before it). Reports seconds,",
                "examples/s, padded tokens/s, minor page faults (pages the kernel handed over for the first",
                "time) and peak RSS; per batch size, the ratio of the two orders' times and the largest",
                "difference between their outputs (same batches, so it should be 0).",
                "The task head is the model's own when --model is an mtl4j checkpoint with a head for --task,",
                "otherwise a fresh one: timing does not depend on the weights. It always reads the pooler",
                "output (the default --head-input), even for a checkpoint trained with cls or mean heads.",
                "",
                "Example:",
                "  mtl4j bench eval --model ../shared/models/minilm-l6-h384 --data ../shared/glue \\",
                "      --task mnli --batch-sizes 32,128",
                ""})
public final class EvalBench implements Callable<Integer> {
    static final String RESULT_PREFIX = "mtl4j-bench-eval-result ";
    private static final Logger LOG = LogManager.getLogger(EvalBench.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID", description = "Model directory, mtl4j checkpoint or hub id.")
    String model;
    @Option(names = "--revision", defaultValue = "main", description = "Hub revision for a hub model id. Default: ${DEFAULT-VALUE}.")
    String revision;
    @CommandLine.Mixin
    BenchData data;
    @Option(names = "--task", defaultValue = "sst2", description = "Task whose split to run. Default: ${DEFAULT-VALUE}.")
    String task;
    @Option(names = "--split", description = "Split to run (default: the task's first dev split, e.g. MNLI's matched).")
    String split;
    @Option(names = "--batch-sizes", defaultValue = "32,128", split = ",", paramLabel = "B",
            description = "Batch sizes. Default: ${DEFAULT-VALUE}.")
    List<Integer> batchSizes;
    @Option(names = "--orders", defaultValue = "longest-first,shortest-first", split = ",", paramLabel = "ORDER",
            description = "Batch orders. Default: ${DEFAULT-VALUE}.")
    List<String> orders;
    @Option(names = "--repeats", defaultValue = "1", description = "Processes per batch size and order; the median is reported. Default: ${DEFAULT-VALUE}.")
    int repeats;
    @Option(names = "--limit", defaultValue = "0", description = "Use the split's first N examples (0: all). Default: ${DEFAULT-VALUE}.")
    int limit;
    @Option(names = "--max-length", defaultValue = "128", description = "Truncation length. Default: ${DEFAULT-VALUE}.")
    int maxLength;
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--threads", defaultValue = "0", description = "LibTorch threads (0: LibTorch's default). Default: ${DEFAULT-VALUE}.")
    int threads;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Token cache (default: as mtl4j train).")
    Path cacheDir;
    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--measure", hidden = true, paramLabel = "ORDER:BATCH", description = "Internal: one measurement in this process.")
    String measure;
    @Option(names = "--outputs", hidden = true, paramLabel = "FILE", description = "Internal: where --measure writes the outputs.")
    Path outputsFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        TaskSpec taskSpec = TaskRegistry.glue().get(task);
        String splitName = splitOf(taskSpec);
        if (measure != null) {
            return measureHere(taskSpec, splitName);
        }
        checkArguments();
        List<InferenceOrder> orderList = orders.stream().map(InferenceOrder::parse).distinct().toList();
        Path scratch = Files.createTempDirectory("mtl4j-bench-eval-");
        try {
            List<EvalBenchReport.Run> runs = new ArrayList<>();
            for (int r = 0; r < repeats; r++) {
                for (int batch : batchSizes.stream().distinct().toList()) {
                    for (InferenceOrder order : orderList) {
                        Path outputs = scratch.resolve(order.id() + "-" + batch + "-" + r + ".bin");
                        runs.add(runChild(splitName, order, batch, outputs, r));
                    }
                }
            }
            EvalBenchReport report = EvalBenchReport.of(Machine.current(), model, taskSpec.name(), splitName,
                    Devices.name(Devices.resolve(device)), runs);
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? report.json() + "\n" : report.text());
            out.flush();
            return 0;
        } finally {
            io.mtl4j.util.Files2.deleteTree(scratch);
        }
    }

    private void checkArguments() {
        if (threads < 0 || threads > 4096) { // as train's --threads
            throw new UserError("--threads must be 0 (LibTorch's default) to 4096, got " + threads);
        }
        if (repeats < 1) {
            throw new UserError("--repeats must be at least 1, got " + repeats);
        }
        if (limit < 0) {
            throw new UserError("--limit must not be negative, got " + limit);
        }
        if (maxLength < 2) {
            throw new UserError("--max-length must be at least 2, got " + maxLength);
        }
        for (int b : batchSizes) {
            if (b < 1) {
                throw new UserError("--batch-sizes must all be at least 1, got " + b);
            }
        }
        data.resolve(CacheDirs.tokens(cacheDir, Env.system())); // a bad --data is one usage error, not a failed child per run
    }

    private String splitOf(TaskSpec taskSpec) {
        if (split != null) {
            if (!taskSpec.hasSplit(split)) {
                throw new UserError("task " + taskSpec.name() + " has no split " + split);
            }
            return split;
        }
        List<String> dev = TaskData.devSplits(taskSpec);
        if (dev.isEmpty()) {
            throw new UserError("task " + taskSpec.name() + " has no dev split; give --split");
        }
        return dev.get(0);
    }

    /** Runs one measurement in a fresh JVM; its log and progress go to this process's stderr. */
    private EvalBenchReport.Run runChild(String splitName, InferenceOrder order, int batch, Path outputs, int repeat)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(ThisJvm.command(Main.class));
        command.addAll(List.of("bench", "eval", "--model", model, "--revision", revision));
        command.addAll(data.args());
        command.addAll(List.of("--task", task, "--split", splitName, "--limit", Integer.toString(limit),
                "--max-length", Integer.toString(maxLength), "--device", device, "--threads", Integer.toString(threads),
                "--measure", order.id() + ":" + batch, "--outputs", outputs.toString()));
        if (cacheDir != null) {
            command.addAll(List.of("--cache-dir", cacheDir.toString()));
        }
        LOG.info("{} batch {} (repeat {} of {}): a fresh process", order.id(), batch, repeat + 1, repeats);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread stopChild = new Thread(p::destroy, "bench-eval-stop-child"); // Ctrl-C or SIGTERM here stops it too
        Runtime.getRuntime().addShutdownHook(stopChild);
        String stdout;
        int code;
        try (InputStream in = p.getInputStream()) {
            stdout = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            code = p.waitFor();
        } finally {
            p.destroy(); // no-op once it has exited; otherwise an interrupted wait leaves no orphan
            removeHook(stopChild);
        }
        String line = stdout.lines().filter(l -> l.startsWith(RESULT_PREFIX)).reduce((a, b) -> b).orElse(null);
        if (code != 0 || line == null) {
            throw new UserError("the " + order.id() + " batch " + batch + " measurement failed (exit code " + code
                    + "); its error is above");
        }
        JsonNode r = JSON.readTree(line.substring(RESULT_PREFIX.length()));
        return new EvalBenchReport.Run(order, batch, r.get("examples").asInt(), r.get("batches").asInt(),
                r.get("real_tokens").asLong(), r.get("padded_tokens").asLong(), r.get("first_batch_length").asInt(),
                r.get("seconds").asDouble(), r.get("minor_faults").asLong(), r.get("peak_rss_mb").asDouble(),
                r.get("threads").asInt(), repeat == 0 ? readOutputs(outputs) : null); // only the first repeats are compared
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    /** The child's side: loads model and split, then times one pass over it in the given order. */
    private int measureHere(TaskSpec taskSpec, String splitName) throws IOException {
        String[] parts = measure.split(":");
        if (parts.length != 2 || outputsFile == null) {
            throw new UserError("--measure takes ORDER:BATCH and needs --outputs");
        }
        InferenceOrder order = InferenceOrder.parse(parts[0]);
        int batch = Integer.parseInt(parts[1]);
        NativeRuntime.ensureLoaded();
        io.mtl4j.runtime.Threads.use(threads);
        Device dev = Devices.resolve(device);
        Path modelDir = ModelArgument.resolve(model, revision);
        Path cache = CacheDirs.tokens(cacheDir, Env.system());
        CheckpointLoader.Loaded pretrained = CheckpointLoader.load(modelDir,
                Set.of(MultiTaskModel.HEADS_PREFIX, MultiTaskModel.LOSS_WEIGHTS_PREFIX));
        int length = Math.min(maxLength, pretrained.model().config().maxPositionEmbeddings());
        List<TokenizedExample> examples;
        try (BertTokenizer tokenizer = BertTokenizer.load(modelDir, length)) {
            TaskData loaded = TaskData.load(taskSpec, data.resolve(cache),
                    List.of(splitName), List.of(), tokenizer, cache, BadRowPolicy.ERROR);
            examples = loaded.splits().get(splitName);
        }
        if (limit > 0 && limit < examples.size()) {
            examples = examples.subList(0, limit);
        }
        HeadSpec head = new HeadSpec(taskSpec.name(), taskSpec.numLabels(), taskSpec.isRegression(), taskSpec.labelNames());
        MultiTaskModel m = MultiTaskModel.create(pretrained.model(), pretrained.extras(), List.of(head), HeadInput.POOLER,
                MultiTaskModel.Freezing.NONE, false, 42L, dev);
        int[] lengths = TokenizedSplits.lengths(examples);
        List<int[]> plan = order.plan(lengths, batch);
        Batcher padding = new Batcher(BatchingConfig.dynamic(batch));
        long padded = padding.paddedTokens(lengths, plan);
        int firstBatchLength = plan.isEmpty() ? 0 : padding.paddedLength(lengths, plan.get(0));

        ProcessMemory.resetPeakRss();
        long faults0 = ProcessMemory.minorFaults();
        long t0 = System.nanoTime();
        Evaluator.Predictions predictions;
        try (ProgressBar bar = new ProgressBar(taskSpec.name() + " " + order.id() + " batch " + batch, examples.size())) {
            predictions = Evaluator.predict(m, taskSpec.name(), examples, plan, dev, bar::step);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long faults = ProcessMemory.minorFaults() - faults0;
        writeOutputs(outputsFile, predictions.outputs());
        var result = JSON.createObjectNode().put("examples", examples.size()).put("batches", plan.size())
                .put("real_tokens", Arrays.stream(lengths).asLongStream().sum()).put("padded_tokens", padded)
                .put("first_batch_length", firstBatchLength).put("seconds", seconds).put("minor_faults", faults)
                .put("peak_rss_mb", ProcessMemory.peakRssMb()).put("threads", torch.get_num_threads());
        PrintWriter out = spec.commandLine().getOut();
        out.println(RESULT_PREFIX + result);
        out.flush();
        return 0;
    }

    static void writeOutputs(Path file, float[][] outputs) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(outputs.length);
            for (float[] row : outputs) {
                out.writeInt(row.length);
                for (float v : row) {
                    out.writeFloat(v);
                }
            }
        }
    }

    static float[][] readOutputs(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            float[][] outputs = new float[in.readInt()][];
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = new float[in.readInt()];
                for (int k = 0; k < outputs[i].length; k++) {
                    outputs[i][k] = in.readFloat();
                }
            }
            return outputs;
        }
    }
}
