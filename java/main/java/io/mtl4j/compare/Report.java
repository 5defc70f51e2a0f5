package io.mtl4j.compare;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.train.MetricsLog;
import io.mtl4j.train.TaskData;
import io.mtl4j.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** Writes report.md, report.json and curves.png for a {@link Comparison}. */
public final class Report {
    /** report.json: a NaN or infinite number (a std of one seed, a mean of NaN scores) is null, not the string "NaN". */
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule().addSerializer(Double.class, new FiniteOrNull()).addSerializer(Double.TYPE, new FiniteOrNull()));

    private static final class FiniteOrNull extends StdSerializer<Double> {
        FiniteOrNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (Double.isFinite(v)) {
                gen.writeNumber(v);
            } else {
                gen.writeNull();
            }
        }
    }

    private Report() {
    }

    /** One row: run kind A against run kind B on one task's metric, over seeds. */
    /**
     * One row's comparison of seeds: {@code pValue} is Welch's two-sided p-value (NaN with fewer than two seeds
     * a side), and {@code exceedsNoise} whether it is below {@link #ALPHA} (null when there is no p-value).
     */
    public record Row(String comparison, String task, String metric, Stats a, Stats b, double delta, double pValue,
                      Boolean exceedsNoise) {
    }

    /** The significance level of "beyond noise". */
    static final double ALPHA = 0.05;

    /** Mean and sample standard deviation over seeds (std NaN with one seed). */
    public record Stats(double mean, double std, int n) {
        static Stats of(List<Double> values) {
            double mean = values.stream().mapToDouble(d -> d).average().orElse(Double.NaN);
            double var = 0;
            for (double v : values) {
                var += (v - mean) * (v - mean);
            }
            double std = values.size() > 1 ? Math.sqrt(var / (values.size() - 1)) : Double.NaN;
            return new Stats(mean, std, values.size());
        }

        String format() {
            return Double.isNaN(std) ? String.format(Locale.ROOT, "%.4f", mean)
                    : String.format(Locale.ROOT, "%.4f ± %.4f", mean, std);
        }
    }

    public static void write(Path output, List<Comparison.Run> runs, TaskRegistry registry, TrainConfig base) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String task : base.tasks()) {
            TaskSpec spec = registry.get(task);
            String metric = spec.mainMetric().id();
            // MNLI is scored on both dev sets: every comparison gets a row for each.
            List<String> keys = task.equals("mnli") ? List.of(task, "mnli-mm") : List.of(task);
            for (String key : keys) {
                rows.add(row("single vs multi", key, key, metric, runs, r -> r.kind().equals("single") && r.tasks().contains(task),
                        r -> r.kind().equals("multi")));
            }
            if (runs.stream().anyMatch(r -> r.kind().equals("pcgrad"))) {
                for (String key : keys) {
                    rows.add(row("plain vs pcgrad", key, key, metric, runs, r -> r.kind().equals("multi"), r -> r.kind().equals("pcgrad")));
                }
            }
            runs.stream().map(Comparison.Run::kind).filter(k -> k.startsWith("frozen-")).distinct().forEach(kind -> {
                for (String key : keys) {
                    rows.add(row("full vs " + kind, key, key, metric, runs, r -> r.kind().equals("multi"), r -> r.kind().equals(kind)));
                }
            });
        }
        rows.removeIf(r -> r.a().n() == 0 || r.b().n() == 0);

        Map<String, Object> json = new LinkedHashMap<>();
        List<Map<String, Object>> runList = new ArrayList<>();
        for (Comparison.Run r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", r.kind());
            m.put("seed", r.seed());
            m.put("tasks", r.tasks());
            m.put("dir", output.relativize(r.dir()).toString());
            m.put("task_steps", r.taskSteps());
            m.put("eval", readEval(r.dir()));
            runList.add(m);
        }
        json.put("runs", runList);
        json.put("rows", rows);
        json.put("config", base.toMap());
        byte[] bytes = JSON.writeValueAsBytes(json);
        AtomicFiles.write(output.resolve("report.json"), out -> out.write(bytes));
        String md = markdown(rows, runs, base);
        AtomicFiles.write(output.resolve("report.md"), out -> out.write(md.getBytes(StandardCharsets.UTF_8)));
        curves(output.resolve("curves.png"), runs, registry, base);
    }

    private static Row row(String comparison, String task, String evalKey, String metric, List<Comparison.Run> runs,
                           Predicate<Comparison.Run> a, Predicate<Comparison.Run> b) {
        Stats sa = Stats.of(scores(runs, a, evalKey, metric));
        Stats sb = Stats.of(scores(runs, b, evalKey, metric));
        double delta = sb.mean() - sa.mean();
        // Undefined with one seed a side, or a NaN score: then not "no", but no judgement at all.
        double p = WelchTest.pValue(sa, sb);
        return new Row(comparison, task, metric, sa, sb, delta, p, Double.isNaN(p) ? null : p < ALPHA);
    }

    private static List<Double> scores(List<Comparison.Run> runs, Predicate<Comparison.Run> which, String key, String metric) {
        List<Double> out = new ArrayList<>();
        for (Comparison.Run r : runs) {
            if (which.test(r)) {
                JsonNode e = readEval(r.dir());
                if (e != null && e.has(key) && e.get(key).has(metric)) {
                    out.add(e.get(key).get(metric).asDouble());
                }
            }
        }
        return out;
    }

    private static JsonNode readEval(Path run) {
        try {
            Path f = run.resolve("eval.json");
            return Files.isRegularFile(f) ? JSON.readTree(f.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A difference to four places, without the "-0.0000" of a tiny negative one. */
    static String signed(double delta) {
        String s = String.format(Locale.ROOT, "%+.4f", delta);
        return s.equals("-0.0000") ? "+0.0000" : s;
    }

    static String markdown(List<Row> rows, List<Comparison.Run> runs, TrainConfig base) {
        StringBuilder sb = new StringBuilder("# Single-task vs multi-task\n\n");
        long seeds = runs.stream().map(Comparison.Run::seed).distinct().count();
        sb.append(String.format(Locale.ROOT, "Model `%s`, tasks %s, %d steps, batch %d × accumulation %d, lr %s, sampler %s, %d seed(s).%n",
                base.model(), base.tasks(), base.steps(), base.batchSize(), base.gradAccum(), io.mtl4j.util.Numbers.human(base.lr()),
                base.sampler().equals("temperature") ? "temperature (T = " + io.mtl4j.util.Numbers.human(base.temperature()) + ")" : base.sampler(),
                seeds));
        sb.append("Scores are the best checkpoint's dev scores (fractions); single-task baselines get the number of steps ")
                .append("the sampler gave their task in the multi-task run. Δ = B − A.")
                .append(seeds > 1 ? " p: Welch's two-sided t-test of the seeds' scores; \"beyond noise\": p < 0.05.\n\n"
                        : " With one seed there is no noise estimate (use --seeds K).\n\n");
        if (base.maxEvalExamples() > 0) {
            sb.append(String.format(Locale.ROOT, "Dev scores come from the first %d rows of each dev split only"
                    + " (--max-eval-examples %d), not the whole split.%n%n", base.maxEvalExamples(), base.maxEvalExamples()));
        }
        sb.append("| comparison | task | metric | A | B | Δ | p | beyond noise |\n|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", r.comparison(), r.task(), r.metric(),
                    r.a().format(), r.b().format(), signed(r.delta()), Double.isNaN(r.pValue()) ? "n/a" : String.format(Locale.ROOT, "%.3f", r.pValue()),
                    r.exceedsNoise() == null ? "n/a" : (r.exceedsNoise() ? "yes" : "no")));
        }
        sb.append("\nSteps each task got in the multi-task runs: ").append(String.join("; ", runs.stream()
                .filter(r -> r.kind().equals("multi")).map(r -> "seed " + r.seed() + " " + r.taskSteps()).toList())).append('.');
        runs.stream().filter(r -> r.kind().equals("pcgrad")).findFirst().ifPresent(r -> sb.append(String.format(Locale.ROOT,
                "%n%nA PCGrad step takes a batch of every task, so the PCGrad runs get 1/%d of the steps (%s per task) and "
                        + "train on as many examples as the plain multi-task runs.",
                base.tasks().size(), r.taskSteps())));
        sb.append("\n\n![dev curves](curves.png)\n");
        return sb.toString();
    }

    /**
     * Dev main metric against the batches of the task trained so far, one panel per task, one line
     * per run: a single-task baseline and the multi-task run it matches end at the same x.
     */
    static void curves(Path file, List<Comparison.Run> runs, TaskRegistry registry, TrainConfig base) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<BufferedImage> panels = new ArrayList<>();
        for (String task : base.tasks()) {
            TaskSpec spec = registry.get(task);
            String metric = spec.mainMetric().id();
            XYChart chart = new XYChartBuilder().width(520).height(380).title(task + " dev " + metric)
                    .xAxisTitle("batches of " + task + " trained").yAxisTitle(metric).build();
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            for (Comparison.Run r : runs) {
                if (!r.tasks().contains(task)) {
                    continue;
                }
                // Every run of a comparison has the recipe's grad-accum: each step trains that many batches of a task.
                List<double[]> points = curve(r, spec, base.gradAccum());
                if (!points.isEmpty()) {
                    String name = r.kind() + " (seed " + r.seed() + ")";
                    chart.addSeries(name, points.stream().map(p -> p[0]).toList(), points.stream().map(p -> p[1]).toList())
                            .setMarker(SeriesMarkers.CIRCLE);
                }
            }
            if (chart.getSeriesMap().isEmpty()) {
                chart.addSeries("no evaluations", new double[]{0}, new double[]{0});
            }
            panels.add(BitmapEncoder.getBufferedImage(chart));
        }
        int width = panels.stream().mapToInt(BufferedImage::getWidth).sum();
        int height = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
        BufferedImage all = new BufferedImage(Math.max(1, width), height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        int x = 0;
        for (BufferedImage p : panels) {
            g.drawImage(p, x, 0, null);
            x += p.getWidth();
        }
        g.dispose();
        AtomicFiles.writePath(file, tmp -> ImageIO.write(all, "png", tmp.toFile()));
    }

    /**
     * A run's (batches of the task trained, dev main metric) points for one task. metrics.jsonl has
     * one training line per step for each task the step trained (the sampled task, or every task
     * under PCGrad), each before that step's evaluation lines; a step trains {@code batchesPerStep}
     * (grad-accum) batches of each of its tasks.
     */
    static List<double[]> curve(Comparison.Run run, TaskSpec spec, int batchesPerStep) {
        String metric = spec.mainMetric().id();
        String mainSplit = TaskData.devSplits(spec).get(0); // the split the report's rows compare
        List<double[]> points = new ArrayList<>();
        long batches = 0;
        for (JsonNode n : MetricsLog.taskLines(run.dir(), spec.name())) {
            if (n.has("loss")) {
                batches += batchesPerStep;
            } else if (n.has(metric) && n.path("split").asText().equals(mainSplit)) {
                points.add(new double[]{batches, n.get(metric).asDouble()});
            }
        }
        return points;
    }

}
