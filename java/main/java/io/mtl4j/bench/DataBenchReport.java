package io.mtl4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.cli.TextTable;

import java.util.List;
import java.util.Locale;

/** The results of {@code mtl4j bench data}, as a table or one JSON object. */
public record DataBenchReport(Machine machine, int maxLength, List<TokenizationResult> tokenization,
                              List<PaddingResult> padding) {
    public DataBenchReport {
        tokenization = List.copyOf(tokenization);
        padding = List.copyOf(padding);
    }

    public String json() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.putObject("machine").put("cpus", machine.cpus()).put("cpu_model", machine.cpuModel());
        root.put("max_length", maxLength);
        var tok = root.putArray("tokenization");
        for (TokenizationResult t : tokenization) {
            tok.addObject().put("task", t.task()).put("split", t.split()).put("examples", t.examples())
                    .put("tokens", t.tokens())
                    .put("read_seconds", round(t.readSeconds(), 3))
                    .put("cold_seconds", round(t.coldSeconds(), 3))
                    .put("cold_examples_per_second", Math.round(t.coldExamplesPerSecond()))
                    .put("cached_seconds", round(t.cachedSeconds(), 3))
                    .put("cached_examples_per_second", Math.round(t.cachedExamplesPerSecond()));
        }
        var pad = root.putArray("padding_efficiency");
        for (PaddingResult p : padding) {
            ObjectNode o = pad.addObject().put("task", p.task()).put("split", p.split()).put("batch_size", p.batchSize())
                    .put("bucketed", round(p.bucketed(), 4)).put("dynamic", round(p.dynamic(), 4));
            putNullable(o, "fixed_128", p.fixed128());
            putNullable(o, "fixed_512", p.fixed512());
        }
        return root.toString();
    }

    public String table() {
        StringBuilder out = new StringBuilder();
        out.append("machine: ").append(machine.cpus()).append(" CPUs, ").append(machine.cpuModel()).append('\n');
        out.append("\ntokenization (max length ").append(maxLength)
                .append("; cold = empty cache, incl. writing it; cached = best of ").append(DataBench.CACHED_RUNS)
                .append(" loads, incl. hashing the data file)\n");
        TextTable t = new TextTable("task/split", "examples", "read s", "cold s", "cold ex/s", "cached s", "cached ex/s");
        for (TokenizationResult r : tokenization) {
            t.row(r.task() + "/" + r.split(), String.format(Locale.ROOT, "%,d", r.examples()), seconds(r.readSeconds()),
                    seconds(r.coldSeconds()), rate(r.coldExamplesPerSecond()), seconds(r.cachedSeconds()),
                    rate(r.cachedExamplesPerSecond()));
        }
        out.append(t.render());
        out.append("\npadding efficiency (real / padded tokens over one epoch)\n");
        TextTable p = new TextTable("task/split", "batch", "bucketed", "dynamic", "fixed 128", "fixed 512");
        for (PaddingResult r : padding) {
            p.row(r.task() + "/" + r.split(), Integer.toString(r.batchSize()), ratio(r.bucketed()), ratio(r.dynamic()),
                    nullableRatio(r.fixed128()), nullableRatio(r.fixed512()));
        }
        out.append(p.render());
        return out.toString();
    }

    private static void putNullable(ObjectNode o, String name, Double value) {
        if (value == null) {
            o.putNull(name);
        } else {
            o.put(name, round(value, 4));
        }
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }

    private static String rate(double r) {
        return String.format(Locale.ROOT, "%,.0f", r);
    }

    private static String nullableRatio(Double r) {
        return r == null ? "n/a" : ratio(r);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.4f", r);
    }
}
