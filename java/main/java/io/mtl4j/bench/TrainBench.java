package io.mtl4j.bench;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.model.BertConfig;
import io.mtl4j.dist.Collectives;
import io.mtl4j.dist.DistEnv;
import io.mtl4j.dist.DistSettings;
import io.mtl4j.train.BenchTrainer;
import io.mtl4j.train.StepTimer;
import io.mtl4j.train.TaskData;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code mtl4j bench train}: real training steps (the trainer of {@code mtl4j train}, with its
 * data pipeline and optimizer) timed phase by phase, against the machine's measured GEMM peak and
 * against the seed recipe (everything padded to 512, batch 8, gradient accumulation 4).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Training throughput, MFU and step-time breakdown, against the seed recipe.",
                "Times --steps real training steps (after --warmup untimed ones) of the mtl4j trainer and",
                "reports samples/s, real and padded tokens/s, model FLOP/s and MFU, padding efficiency, a",
                "step-time breakdown (data, forward, backward, pcgrad, optimizer, other; fractions of 1),",
                "the host overhead and peak memory; then times the seed recipe on the same model and data.",
                "",
                "Model FLOPs: 6 x non-embedding parameters x real tokens + 12 L s h per padded token",
                "(attention on the padded length s). Peak: best fp32 matmul rate of 2048^3 and the model's",
                "linear-layer shapes on the mean batch, measured before and after the timed steps.",
                "Host overhead: data + other + (forward passes x forward floor), where the forward floor is",
                "the fastest forward + loss of a 1 x 2-token batch (one LibTorch thread: Java glue + op dispatch,",
                "an upper bound).",
                "Seed recipe: FIXED padding to min(512, max_position_embeddings), batch 8, grad-accum 4,",
                "--seed-steps timed optimizer steps after --seed-warmup; speedup = our samples/s / its.",
                "(One seed step is 4 x 8 x 512 tokens: about 1-2 minutes on a busy 2-core CPU, hence the",
                "defaults of 1 timed step and no warm-up; on the CPU a first step costs little extra.)",
                "The seed recipe reuses the data tokenized for our recipe (--max-length), so sequences",
                "longer than that are truncated in both.",
                "",
                "Example:",
                "  mtl4j bench train --model ../shared/models/minilm-l6-h384 --data ../shared/glue \\",
                "      --task sst2 --batch-size 32 --json",
                ""})
public final class TrainBench implements Callable<Integer> {
    static final int SEED_LENGTH = 512;
    static final int SEED_BATCH = 8;
    static final int SEED_ACCUM = 4;
    private static final Logger LOG = LogManager.getLogger(TrainBench.class);

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID", description = "Model directory or hub id.")
    String model;
    @CommandLine.Mixin
    BenchData data;
    @Option(names = "--task", paramLabel = "T", description = "The task to train (default sst2 unless --tasks).")
    String task;
    @Option(names = "--tasks", split = ",", paramLabel = "TASK", description = "Several tasks, sampled as mtl4j train does.")
    List<String> tasks;
    @Option(names = "--steps", defaultValue = "100", description = "Timed optimizer steps. Default: ${DEFAULT-VALUE}.")
    int steps;
    @Option(names = "--warmup", defaultValue = "10", description = "Untimed steps first. Default: ${DEFAULT-VALUE}.")
    int warmup;
    @Option(names = "--batch-size", defaultValue = "32", description = "Micro-batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per step. Default: ${DEFAULT-VALUE}.")
    int gradAccum;
    @Option(names = "--padding", defaultValue = "bucketed", description = "bucketed, dynamic or fixed. Default: ${DEFAULT-VALUE}.")
    String padding;
    @Option(names = "--max-length", defaultValue = "128", description = "Truncation length. Default: ${DEFAULT-VALUE}.")
    int maxLength;
    @Option(names = "--mtl", defaultValue = "plain", description = "plain or pcgrad. Default: ${DEFAULT-VALUE}.")
    String mtl;
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--threads", defaultValue = "0", description = "LibTorch threads (0: LibTorch's default). Default: ${DEFAULT-VALUE}.")
    int threads;
    @Option(names = "--seed-steps", defaultValue = "1", description = "Timed optimizer steps of the seed recipe (0 skips it). Default: ${DEFAULT-VALUE}.")
    int seedSteps;
    @Option(names = "--seed-warmup", defaultValue = "0", description = "Untimed seed-recipe steps first. Default: ${DEFAULT-VALUE}.")
    int seedWarmup;
    @Option(names = "--gemm-repeats", defaultValue = "3", description = "Timed runs per GEMM shape. Default: ${DEFAULT-VALUE}.")
    int gemmRepeats;
    @Option(names = "--memory-warmup", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "Run the trainer's memory warm-up (one forward and backward of every padded length,"
                    + " untimed) before the first step, as mtl4j train does; false skips it. Default: ${DEFAULT-VALUE}.")
    boolean memoryWarmup;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Token cache (default: as mtl4j train).")
    Path cacheDir;
    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        TrainBenchReport report = run();
        if (!DistEnv.fromEnvironment().isMain()) {
            return 0; // rank 0 prints the job's report
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.json() + "\n" : report.text());
        out.flush();
        return 0;
    }

    public TrainBenchReport run() throws IOException {
        checkArguments();
        double[] loadStart = ProcessMemory.loadAverage();
        ProcessMemory.resetPeakRss(); // under bench all, earlier parts ran in this process
        Path scratch = Files.createTempDirectory("mtl4j-bench-train-");
        try {
            TrainConfig ours = config(batchSize, gradAccum, padding, maxLength, warmup + steps);
            Files.createDirectories(scratch.resolve("ours"));
            Files.createDirectories(scratch.resolve("seed"));
            DistEnv env = DistEnv.fromEnvironment();
            try (Collectives dist = DistSettings.DEFAULT.join(env, env.device(ours.device()));
                 BenchTrainer trainer = BenchTrainer.create(ours, scratch.resolve("ours"), null, dist)) {
                BertConfig bert = trainer.trainer().model().config();
                Device dev = trainer.device();
                PhaseClock warm = new PhaseClock(bert);
                timeSteps(trainer, warm, warmup);
                long meanTokens = warm.batches() == 0 ? 0 : warm.paddedTokens() / warm.batches();
                List<GemmPeak.Shape> shapes = GemmPeak.shapes(meanTokens, bert.hiddenSize(), bert.intermediateSize());
                GemmPeak.Result peak = GemmPeak.measure(shapes, gemmRepeats, dev, trainer.trainer().autocastsBf16());
                PhaseClock clock = new PhaseClock(bert);
                long cpu0 = processCpuNanos();
                timeSteps(trainer, clock, steps);
                // Over the cores, not LibTorch's intra-op threads: OpenBLAS runs its own thread pool (with one
                // LibTorch thread, the default on this 2-core VM, GEMMs still use both cores).
                double cpuUtilization = (processCpuNanos() - cpu0)
                        / (clock.seconds() * 1e9 * Runtime.getRuntime().availableProcessors());
                long floor = ForwardFloor.minNanos(trainer.trainer().model(), ours.tasks().get(0), dev, 9);
                double rss = ProcessMemory.peakRssMb();
                Double gpu = peakGpuMb(dev);
                peak = GemmPeak.measure(shapes, gemmRepeats, dev, trainer.trainer().autocastsBf16()).best(peak);
                LOG.info("timed {} steps in {} s; now the seed recipe ({} step(s) after {} warm-up)", steps,
                        String.format(Locale.ROOT, "%.1f", clock.seconds()), seedSteps, seedWarmup);
                TrainBenchReport.Measured seedResult = seedRecipe(bert, trainer.data(), scratch.resolve("seed"), dist);
                double totalNanos = clock.seconds() * 1e9;
                double host = clock.nanos(StepTimer.Phase.DATA) + clock.otherNanos()
                        + Math.min(clock.nanos(StepTimer.Phase.FORWARD), (double) floor * clock.batches());
                TrainBenchReport local = new TrainBenchReport(measured(clock), seedResult, peak, clock.breakdown(), host / totalNanos,
                        floor / 1e6, rss, gpu, Machine.current(), torch.get_num_threads(), cpuUtilization, loadStart,
                        ProcessMemory.loadAverage(), describe(ours), describe(seedConfig(bert)), 1, List.of());
                return dist.worldSize() == 1 ? local : acrossRanks(local, dist);
            }
        } finally {
            io.mtl4j.util.Files2.deleteTree(scratch);
        }
    }

    private void checkArguments() {
        if (steps < 1) {
            throw new UserError("--steps must be at least 1, got " + steps);
        }
        if (warmup < 0 || seedWarmup < 0 || seedSteps < 0) {
            throw new UserError("--warmup, --seed-warmup and --seed-steps must not be negative");
        }
        if (gemmRepeats < 1) {
            throw new UserError("--gemm-repeats must be at least 1, got " + gemmRepeats);
        }
    }

    private List<String> taskList() {
        if (task != null && tasks != null) {
            throw new UserError("give --task T or --tasks T1,T2, not both");
        }
        if (tasks != null && !tasks.isEmpty()) {
            return tasks;
        }
        return List.of(task == null ? "sst2" : task);
    }

    private TrainConfig config(int batch, int accum, String pad, int length, long totalSteps) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model);
        data.putInto(o);
        o.put("tasks", String.join(",", taskList()));
        o.put("steps", Math.max(1, totalSteps));
        o.put("batch-size", batch);
        o.put("grad-accum", accum);
        o.put("padding", pad);
        o.put("max-length", length);
        o.put("mtl", mtl);
        o.put("eval-every", 0L);
        o.put("device", device);
        o.put("threads", threads);
        o.put("memory-warmup", memoryWarmup);
        if (cacheDir != null) {
            o.put("cache-dir", cacheDir.toString());
        }
        return ConfigLoader.load(null, o);
    }

    private TrainConfig seedConfig(BertConfig bert) {
        int length = Math.min(SEED_LENGTH, bert.maxPositionEmbeddings());
        return config(SEED_BATCH, SEED_ACCUM, "fixed", length, seedWarmup + seedSteps);
    }

    /**
     * The job's figures from every rank's: samples, tokens and FLOPs add up, time is the slowest
     * rank's, the peak is the sum of the ranks' peaks; each rank's own figures are kept.
     */
    private static TrainBenchReport acrossRanks(TrainBenchReport local, Collectives dist) {
        final int k = 15;
        int w = dist.worldSize();
        TrainBenchReport.Measured o = local.ours();
        TrainBenchReport.Measured s = local.seed();
        double[] mine = {o.steps(), o.samples(), o.realTokens(), o.paddedTokens(), o.seconds(), o.flops(),
                local.peak().flopsPerSecond(), local.breakdown().getOrDefault("communication", 0.0), local.peakRssMb(),
                s.steps(), s.samples(), s.realTokens(), s.paddedTokens(), Double.isNaN(s.seconds()) ? 0 : s.seconds(), s.flops()};
        double[] slots = new double[w * k];
        System.arraycopy(mine, 0, slots, dist.rank() * k, k);
        double[] all = dist.allReduceSum(slots, "the benchmark figures");
        double[] sum = new double[k];
        double[] max = new double[k];
        List<Map<String, Double>> perRank = new ArrayList<>();
        for (int r = 0; r < w; r++) {
            for (int i = 0; i < k; i++) {
                double v = all[r * k + i];
                sum[i] += v;
                max[i] = Math.max(max[i], v);
            }
            double seconds = all[r * k + 4];
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("rank", (double) r);
            m.put("samples_per_s", all[r * k + 1] / seconds);
            m.put("tokens_per_s", all[r * k + 2] / seconds);
            m.put("step_ms", 1000 * seconds / all[r * k]);
            m.put("communication", all[r * k + 7]);
            m.put("mfu", all[r * k + 5] / seconds / all[r * k + 6]);
            m.put("peak_rss_mb", all[r * k + 8]);
            perRank.add(m);
        }
        TrainBenchReport.Measured job = new TrainBenchReport.Measured(o.steps(), (long) sum[1], (long) sum[2], (long) sum[3], max[4], sum[5]);
        TrainBenchReport.Measured jobSeed = s.steps() == 0 ? s
                : new TrainBenchReport.Measured(s.steps(), (long) sum[10], (long) sum[11], (long) sum[12], max[13], sum[14]);
        Map<String, Double> breakdown = new LinkedHashMap<>(local.breakdown());
        breakdown.put("communication", sum[7] / w); // the mean share; the other phases are rank 0's
        double rest = 1 - local.breakdown().getOrDefault("communication", 0.0);
        double scale = rest <= 0 ? 0 : (1 - sum[7] / w) / rest;
        breakdown.replaceAll((key, v) -> key.equals("communication") ? v : v * scale);
        return local.forJob(job, jobSeed, new GemmPeak.Result(sum[6], local.peak().shape()), breakdown, w, perRank);
    }

    private TrainBenchReport.Measured seedRecipe(BertConfig bert, Map<String, TaskData> taskData, Path scratch,
                                                 Collectives dist) throws IOException {
        if (seedSteps == 0) {
            return new TrainBenchReport.Measured(0, 0, 0, 0, Double.NaN, 0);
        }
        try (BenchTrainer seed = BenchTrainer.create(seedConfig(bert), scratch, taskData, dist)) {
            timeSteps(seed, new PhaseClock(bert), seedWarmup);
            PhaseClock clock = new PhaseClock(bert);
            timeSteps(seed, clock, seedSteps);
            return measured(clock);
        }
    }

    /** Times n steps; first (once per trainer, untimed) the trainer's memory warm-up, which its first step would run. */
    static void timeSteps(BenchTrainer bench, PhaseClock clock, int n) throws IOException {
        bench.trainer().warmUpMemory();
        bench.trainer().setStepTimer(clock);
        try {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                bench.trainer().trainOneStep();
                DeviceClock.synchronize(bench.device());
                clock.step(System.nanoTime() - t0);
                LOG.debug("step {} of {}: {} ms", i + 1, n, (System.nanoTime() - t0) / 1e6);
            }
        } finally {
            bench.trainer().setStepTimer(StepTimer.NONE);
        }
    }

    private static TrainBenchReport.Measured measured(PhaseClock c) {
        return new TrainBenchReport.Measured(c.steps(), c.rows(), c.realTokens(), c.paddedTokens(), c.seconds(), c.flops());
    }

    private static String describe(TrainConfig c) {
        return String.format(Locale.ROOT, "tasks %s, batch %d x grad-accum %d, padding %s%s, max length %d, %s",
                String.join(",", c.tasks()), c.batchSize(), c.gradAccum(), c.padding(),
                c.padding().equals("fixed") ? " " + c.maxLength() : "", c.maxLength(), c.mtl());
    }

    /** CPU time of the whole process so far (all threads), or 0 where the JVM cannot tell. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    /** Peak CUDA memory allocated by LibTorch's caching allocator, in MiB; null on the CPU. */
    static Double peakGpuMb(Device device) {
        if (!device.is_cuda()) {
            return null;
        }
        try {
            return torch.getDeviceStats((byte) Math.max(0, device.index())).allocated_bytes().peak() / (1024.0 * 1024.0);
        } catch (Throwable e) { // the CPU build has no CUDA allocator statistics
            LOG.warn("peak GPU memory not available: {}", e.toString());
            return null;
        }
    }
}
