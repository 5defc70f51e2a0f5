package io.mtl4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.cli.TextTable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of {@code mtl4j bench eval}: one row per batch size and order, and the orders compared. */
public record EvalBenchReport(Machine machine, String model, String task, String split, String device,
                              List<Row> rows, List<Comparison> comparisons) {

    /** One measurement: a fresh process's single pass over the split; outputs kept for the first repeat only. */
    public record Run(InferenceOrder order, int batchSize, int examples, int batches, long realTokens, long paddedTokens,
                      int firstBatchLength, double seconds, long minorFaults, double peakRssMb, int threads,
                      float[][] outputs) {
    }

    /** The runs of one batch size and order, summarised by their medians. */
    public record Row(InferenceOrder order, int batchSize, int examples, int batches, long realTokens, long paddedTokens,
                      int firstBatchLength, int threads, double[] seconds, double medianSeconds, double medianMinorFaults,
                      double maxPeakRssMb) {
        double examplesPerSecond() {
            return examples / medianSeconds;
        }

        double paddedTokensPerSecond() {
            return paddedTokens / medianSeconds;
        }
    }

    /**
     * The two orders at one batch size: how many times longer shortest-first takes than longest-first
     * (medians), and the largest difference between their outputs (the first repeat of each).
     */
    public record Comparison(int batchSize, double shortestOverLongest, double maxAbsOutputDifference) {
    }

    public EvalBenchReport {
        rows = List.copyOf(rows);
        comparisons = List.copyOf(comparisons);
    }

    static EvalBenchReport of(Machine machine, String model, String task, String split, String device, List<Run> runs) {
        Map<String, List<Run>> groups = new LinkedHashMap<>();
        for (Run r : runs) {
            groups.computeIfAbsent(r.batchSize() + "/" + r.order(), k -> new ArrayList<>()).add(r);
        }
        List<Row> rows = new ArrayList<>();
        for (List<Run> group : groups.values()) {
            Run first = group.get(0);
            double[] seconds = group.stream().mapToDouble(Run::seconds).toArray();
            double[] faults = group.stream().mapToDouble(Run::minorFaults).toArray();
            rows.add(new Row(first.order(), first.batchSize(), first.examples(), first.batches(), first.realTokens(),
                    first.paddedTokens(), first.firstBatchLength(), first.threads(), seconds, median(seconds),
                    median(faults), group.stream().mapToDouble(Run::peakRssMb).max().orElse(-1)));
        }
        List<Comparison> comparisons = new ArrayList<>();
        for (int batch : runs.stream().mapToInt(Run::batchSize).distinct().toArray()) {
            List<Run> longest = groups.get(batch + "/" + InferenceOrder.LONGEST_FIRST);
            List<Run> shortest = groups.get(batch + "/" + InferenceOrder.SHORTEST_FIRST);
            if (longest != null && shortest != null) {
                double ratio = median(shortest.stream().mapToDouble(Run::seconds).toArray())
                        / median(longest.stream().mapToDouble(Run::seconds).toArray());
                comparisons.add(new Comparison(batch, ratio,
                        maxAbsDifference(longest.get(0).outputs(), shortest.get(0).outputs())));
            }
        }
        return new EvalBenchReport(machine, model, task, split, device, rows, comparisons);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double maxAbsDifference(float[][] a, float[][] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int k = 0; k < a[i].length; k++) {
                max = Math.max(max, Math.abs((double) a[i][k] - b[i][k]));
            }
        }
        return max;
    }

    public String json() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.putObject("machine").put("cpus", machine.cpus()).put("cpu_model", machine.cpuModel());
        root.put("model", model).put("task", task).put("split", split).put("device", device);
        var rowArray = root.putArray("runs");
        for (Row r : rows) {
            ObjectNode o = rowArray.addObject().put("order", r.order().id()).put("batch_size", r.batchSize())
                    .put("examples", r.examples()).put("batches", r.batches()).put("real_tokens", r.realTokens())
                    .put("padded_tokens", r.paddedTokens()).put("first_batch_length", r.firstBatchLength())
                    .put("threads", r.threads()).put("median_seconds", r.medianSeconds())
                    .put("examples_per_second", r.examplesPerSecond())
                    .put("padded_tokens_per_second", r.paddedTokensPerSecond())
                    .put("median_minor_faults", r.medianMinorFaults()).put("peak_rss_mb", r.maxPeakRssMb());
            var seconds = o.putArray("seconds");
            Arrays.stream(r.seconds()).forEach(seconds::add);
        }
        var comparisonArray = root.putArray("orders_compared");
        for (Comparison c : comparisons) {
            comparisonArray.addObject().put("batch_size", c.batchSize())
                    .put("shortest_first_over_longest_first", c.shortestOverLongest())
                    .put("max_abs_output_difference", c.maxAbsOutputDifference());
        }
        return root.toString();
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        Row any = rows.isEmpty() ? null : rows.get(0);
        out.append(String.format(Locale.ROOT, "bench eval: %s/%s, %,d examples, model %s, device %s, %d LibTorch thread(s)%n",
                task, split, any == null ? 0 : any.examples(), model, device, any == null ? 0 : any.threads()));
        out.append("machine: ").append(machine.cpus()).append(" CPUs, ").append(machine.cpuModel()).append('\n');
        out.append("one fresh process per measurement; times are medians over ")
                .append(any == null ? 0 : any.seconds().length).append(" process(es)\n\n");
        TextTable t = new TextTable("order", "batch", "first batch len", "seconds", "examples/s", "padded tok/s",
                "minor faults", "peak RSS MB");
        for (Row r : rows) {
            t.row(r.order().id(), Integer.toString(r.batchSize()), Integer.toString(r.firstBatchLength()),
                    String.format(Locale.ROOT, "%.2f", r.medianSeconds()),
                    String.format(Locale.ROOT, "%.1f", r.examplesPerSecond()),
                    String.format(Locale.ROOT, "%,.0f", r.paddedTokensPerSecond()),
                    String.format(Locale.ROOT, "%,.0f", r.medianMinorFaults()),
                    String.format(Locale.ROOT, "%.0f", r.maxPeakRssMb()));
        }
        out.append(t.render());
        for (Comparison c : comparisons) {
            out.append(String.format(Locale.ROOT,
                    "batch %d: shortest-first takes %.2fx the time of longest-first; outputs %s%n",
                    c.batchSize(), c.shortestOverLongest(), c.maxAbsOutputDifference() == 0 ? "identical"
                            : String.format(Locale.ROOT, "differ by up to %.3g", c.maxAbsOutputDifference())));
        }
        return out.toString();
    }
}
