package io.mtl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.bench.PcgradBench;
import io.mtl4j.nativelib.Pcgrad;
import io.mtl4j.runtime.Devices;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code mtl4j bench pcgrad}: the native PCGrad against a naive LibTorch version and the copy
 * bandwidth. A standalone command meant to sit under the {@code bench} parent command.
 */
@Command(name = "pcgrad", mixinStandardHelpOptions = true,
        description = {
                "Times the native PCGrad library against a naive LibTorch version, and the copy bandwidth.",
                "The library: Gram pass + T x T solve + weighted-sum pass; the naive",
                "LibTorch version (per task: clone, then per other task a dot product and, on conflict, a",
                "projection; then sum), on seeded random gradients where about --conflict-rate of the task",
                "pairs conflict. Also measures the copy bandwidth (read + write bytes/s of a large copy_) and",
                "reports bandwidth_fraction = ((2T+1) * params * 4 bytes / best native time) / best copy bandwidth.",
                "Copies, native and naive runs are interleaved (the machine may be shared); the fraction compares",
                "the best native run with the best copy (two copies per repeat), like with like.",
                "Times are medians over --repeats runs after one warm-up (native_best_ms: the best). Fails (exit 1) when the",
                "native and naive results differ by more than " + PcgradBench.MAX_REL_DIFF + " (max relative diff).",
                "",
                "Example:",
                "  mtl4j bench pcgrad --tasks 3 --params 50000000 --device cpu --json",
                ""})
public final class BenchPcgradCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tasks", required = true, paramLabel = "T", description = "Number of task gradients (2..64).")
    int tasks;

    @Option(names = "--params", required = true, paramLabel = "N", description = "Elements per gradient.")
    long params;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--conflict-rate", defaultValue = "0.5",
            description = "Share of task pairs made to conflict (the measured share is reported). Default: ${DEFAULT-VALUE}.")
    double conflictRate;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed runs of each implementation. Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the gradients and task orders. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PcgradBench.Report report = PcgradBench.run(
                new PcgradBench.Config(tasks, params, Devices.resolve(device), conflictRate, repeats, seed));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JSON.writeValueAsString(toJson(report)));
        } else {
            printText(out, report);
        }
        out.flush();
        if (!report.agree()) {
            spec.commandLine().getErr().printf(Locale.ROOT, "mtl4j: error: native and naive PCGrad disagree: max relative diff %.3g > %.3g%n",
                    report.maxRelDiff(), PcgradBench.MAX_REL_DIFF);
            return 1;
        }
        return 0;
    }

    static Map<String, Object> toJson(PcgradBench.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("native_ms", r.nativeMs());
        m.put("native_best_ms", r.nativeBestMs());
        m.put("naive_ms", r.naiveMs());
        m.put("speedup_vs_naive", r.speedupVsNaive());
        m.put("bandwidth_fraction", r.bandwidthFraction());
        m.put("conflict_rate", r.conflictRate());
        m.put("tasks", r.tasks());
        m.put("params", r.params());
        m.put("device", r.device());
        m.put("max_rel_diff", r.maxRelDiff());
        m.put("copy_gb_per_s", r.copyBytesPerSecond() / 1e9);
        m.put("native_gb_per_s", r.nativeBytesPerSecond() / 1e9);
        m.put("repeats", r.repeats());
        m.put("libtorch_threads", r.threads());
        m.put("features", Pcgrad.features());
        return m;
    }

    private static void printText(PrintWriter out, PcgradBench.Report r) {
        out.printf(Locale.ROOT, "PCGrad, %d tasks x %d params on %s (%s; LibTorch threads %d), %.0f%% of task pairs conflict%n",
                r.tasks(), r.params(), r.device(), Pcgrad.features(), r.threads(), 100 * r.conflictRate());
        out.printf(Locale.ROOT, "  native  %10.2f ms  (median of %d; best %.2f ms: %.2f GB/s for (2T+1)*N*4 bytes)%n", r.nativeMs(),
                r.repeats(), r.nativeBestMs(), r.nativeBytesPerSecond() / 1e9);
        out.printf(Locale.ROOT, "  naive   %10.2f ms  (median of %d)%n", r.naiveMs(), r.repeats());
        out.printf(Locale.ROOT, "  copy bandwidth %.2f GB/s (read + write, best copy)%n", r.copyBytesPerSecond() / 1e9);
        out.printf(Locale.ROOT, "  speedup vs naive %.2fx, bandwidth fraction %.2f%n", r.speedupVsNaive(), r.bandwidthFraction());
        out.printf(Locale.ROOT, "  max relative diff native vs naive %.3g (%s)%n", r.maxRelDiff(), r.agree() ? "agree" : "DISAGREE");
    }
}
