package io.mtl4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;
import java.util.Map;

/** The results of {@code mtl4j bench train}, as one JSON object or text. */
public record TrainBenchReport(Measured ours, Measured seed, GemmPeak.Result peak, Map<String, Double> breakdown,
                               double hostOverheadFraction, double forwardFloorMs, double peakRssMb, Double peakGpuMb,
                               Machine machine, int threads, double cpuUtilization, double[] loadStart,
                               double[] loadEnd, String setup, String seedSetup, int worldSize,
                               java.util.List<Map<String, Double>> perRank) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** This report as the figures of a whole data-parallel job, with each rank's own figures. */
    public TrainBenchReport forJob(Measured job, Measured jobSeed, GemmPeak.Result jobPeak, Map<String, Double> jobBreakdown,
                                   int world, java.util.List<Map<String, Double>> ranks) {
        return new TrainBenchReport(job, jobSeed, jobPeak, jobBreakdown, hostOverheadFraction, forwardFloorMs, peakRssMb,
                peakGpuMb, machine, threads, cpuUtilization, loadStart, loadEnd, setup, seedSetup, world, ranks);
    }

    /**
     * The share of step time not spent in the gradient all-reduce: a data-parallel job of W ranks
     * runs at about W x this x one rank's speed.
     */
    public double scalingEfficiency() {
        return 1.0 - breakdown.getOrDefault("communication", 0.0);
    }

    /** Throughput of one recipe over its timed steps. */
    public record Measured(long steps, long samples, long realTokens, long paddedTokens, double seconds, double flops) {
        public double samplesPerSecond() {
            return samples / seconds;
        }

        public double tokensPerSecond() {
            return realTokens / seconds;
        }

        public double paddedTokensPerSecond() {
            return paddedTokens / seconds;
        }

        public double flopsPerSecond() {
            return flops / seconds;
        }

        public double paddingEfficiency() {
            return paddedTokens == 0 ? 1.0 : (double) realTokens / paddedTokens;
        }
    }

    public double mfu() {
        return ours.flopsPerSecond() / peak.flopsPerSecond();
    }

    public double speedupVsSeedRecipe() {
        return ours.samplesPerSecond() / seed.samplesPerSecond();
    }

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("samples_per_s", round(ours.samplesPerSecond(), 2));
        root.put("tokens_per_s", round(ours.tokensPerSecond(), 1));
        root.put("padded_tokens_per_s", round(ours.paddedTokensPerSecond(), 1));
        root.put("model_tflops", round(ours.flopsPerSecond() / 1e12, 5));
        root.put("peak_tflops", round(peak.flopsPerSecond() / 1e12, 5));
        root.put("peak_shape", peak.shape().toString());
        root.put("mfu", round(mfu(), 4));
        root.put("padding_efficiency", round(ours.paddingEfficiency(), 4));
        ObjectNode b = root.putObject("breakdown");
        breakdown.forEach((k, v) -> b.put(k, round(v, 4)));
        root.put("host_overhead_fraction", round(hostOverheadFraction, 4));
        root.put("forward_floor_ms", round(forwardFloorMs, 3));
        root.put("peak_rss_mb", round(peakRssMb, 1));
        if (peakGpuMb == null) {
            root.putNull("peak_gpu_mb");
        } else {
            root.put("peak_gpu_mb", round(peakGpuMb, 1));
        }
        root.put("world_size", worldSize);
        if (worldSize > 1) {
            root.put("scaling_efficiency", round(scalingEfficiency(), 4));
            ArrayNode ranks = root.putArray("per_rank");
            for (Map<String, Double> r : perRank) {
                ObjectNode n = ranks.addObject();
                r.forEach((k, v) -> n.put(k, k.equals("rank") ? v.intValue() : round(v, 4)));
            }
        }
        root.put("timed_steps", ours.steps());
        root.put("timed_seconds", round(ours.seconds(), 3));
        root.put("setup", setup);
        if (seed.steps() == 0) { // --seed-steps 0: not measured
            root.putNull("seed_recipe");
            root.putNull("speedup_vs_seed_recipe");
        } else {
            ObjectNode s = root.putObject("seed_recipe");
            s.put("samples_per_s", round(seed.samplesPerSecond(), 3));
            s.put("tokens_per_s", round(seed.tokensPerSecond(), 1));
            s.put("padded_tokens_per_s", round(seed.paddedTokensPerSecond(), 1));
            s.put("model_tflops", round(seed.flopsPerSecond() / 1e12, 5));
            s.put("padding_efficiency", round(seed.paddingEfficiency(), 4));
            s.put("timed_steps", seed.steps());
            s.put("timed_seconds", round(seed.seconds(), 3));
            s.put("setup", seedSetup);
            root.put("speedup_vs_seed_recipe", round(speedupVsSeedRecipe(), 2));
        }
        ObjectNode m = root.putObject("machine");
        m.put("cpus", machine.cpus()).put("cpu_model", machine.cpuModel()).put("libtorch_threads", threads);
        String wait = System.getenv("OMP_WAIT_POLICY");
        if (wait == null) {
            m.putNull("omp_wait_policy");
        } else {
            m.put("omp_wait_policy", wait);
        }
        root.put("cpu_utilization", round(cpuUtilization, 3));
        ObjectNode load = root.putObject("load_average");
        putArray(load.putArray("start"), loadStart);
        putArray(load.putArray("end"), loadEnd);
        return root;
    }

    public String json() {
        return toJson().toString();
    }

    public String text() {
        StringBuilder o = new StringBuilder();
        o.append(String.format(Locale.ROOT, "machine: %d CPUs, %s; LibTorch threads %d; load average %s -> %s%n",
                machine.cpus(), machine.cpuModel(), threads, load(loadStart), load(loadEnd)));
        o.append("ours: ").append(setup).append('\n');
        if (worldSize > 1) {
            o.append(String.format(Locale.ROOT, "  %d ranks (figures below are the job's; samples/s summed over ranks); "
                    + "scaling efficiency %.3f (1 - all-reduce share of the step)%n", worldSize, scalingEfficiency()));
            for (Map<String, Double> r : perRank) {
                o.append(String.format(Locale.ROOT, "    rank %d: %.2f samples/s, step %.1f ms, all-reduce %.1f%%, MFU %.3f%n",
                        r.get("rank").intValue(), r.get("samples_per_s"), r.get("step_ms"), 100 * r.get("communication"), r.get("mfu")));
            }
        }
        o.append(String.format(Locale.ROOT, "  process CPU time / (wall time x cores) over the timed steps: %.2f%n", cpuUtilization));
        o.append(String.format(Locale.ROOT, "  %.2f samples/s, %.0f tokens/s (%.0f padded), padding efficiency %.3f%n",
                ours.samplesPerSecond(), ours.tokensPerSecond(), ours.paddedTokensPerSecond(), ours.paddingEfficiency()));
        o.append(String.format(Locale.ROOT, "  model %.4f TFLOP/s / peak %.4f TFLOP/s (%s) = MFU %.3f%n",
                ours.flopsPerSecond() / 1e12, peak.flopsPerSecond() / 1e12, peak.shape(), mfu()));
        o.append("  step time:");
        breakdown.forEach((k, v) -> o.append(String.format(Locale.ROOT, " %s %.1f%%", k, 100 * v)));
        o.append(String.format(Locale.ROOT, "%n  host overhead %.1f%% (forward floor %.2f ms), peak RSS %.0f MB%s%n",
                100 * hostOverheadFraction, forwardFloorMs, peakRssMb,
                peakGpuMb == null ? "" : String.format(Locale.ROOT, ", peak GPU %.0f MB", peakGpuMb)));
        if (seed.steps() == 0) {
            o.append("seed recipe: not measured (--seed-steps 0)\n");
            return o.toString();
        }
        o.append("seed recipe: ").append(seedSetup).append('\n');
        o.append(String.format(Locale.ROOT, "  %.3f samples/s, padding efficiency %.3f, model %.4f TFLOP/s%n",
                seed.samplesPerSecond(), seed.paddingEfficiency(), seed.flopsPerSecond() / 1e12));
        o.append(String.format(Locale.ROOT, "speedup vs seed recipe: %.1fx (real samples/s)%n", speedupVsSeedRecipe()));
        return o.toString();
    }

    private static String load(double[] l) {
        return l.length == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", l[0]);
    }

    private static void putArray(ArrayNode a, double[] values) {
        for (double v : values) {
            a.add(v);
        }
    }

    static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
