package io.mtl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.data.DataStats;
import io.mtl4j.data.SplitStats;
import io.mtl4j.data.TokenLengthStats;
import io.mtl4j.tasks.TaskSpec;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders {@link DataStats} as the {@code --json} object or as a table. */
final class DataStatsOutput {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private DataStatsOutput() {
    }

    /**
     * {@code {"task":..,"label_names":[name0,..] (null for regression),"splits":{"train":{"rows":N,"labels":{"0":n0,..},"tokens":{"mean":..,"p50":..,
     * "p95":..,"max":..},"skipped":k},..},"padding_efficiency":x}}; mean to 2 decimals, efficiency
     * to 4; token fields are null for a split with no rows.
     */
    static String json(DataStats stats, TaskSpec task) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("task", stats.task());
        if (task.isRegression()) {
            root.putNull("label_names");
        } else {
            ArrayNode names = root.putArray("label_names");
            task.labelNames().forEach(names::add);
        }
        ObjectNode splits = root.putObject("splits");
        for (SplitStats s : stats.splits()) {
            ObjectNode split = splits.putObject(s.split());
            split.put("rows", s.rows());
            ObjectNode labels = split.putObject("labels");
            s.labels().forEach(labels::put);
            ObjectNode tokens = split.putObject("tokens");
            TokenLengthStats t = s.tokens();
            if (t.count() == 0) {
                tokens.putNull("mean").putNull("p50").putNull("p95").putNull("max");
            } else {
                tokens.put("mean", round(t.mean(), 2)).put("p50", t.p50()).put("p95", t.p95()).put("max", t.max());
            }
            split.put("skipped", s.skipped().count());
        }
        root.put("padding_efficiency", round(stats.paddingEfficiency(), 4));
        return root.toString();
    }

    static String table(DataStats stats, TaskSpec task, String data, int maxLength) {
        TextTable table = new TextTable("split", "rows", "labels", "tokens mean", "p50", "p95", "max", "skipped");
        for (SplitStats s : stats.splits()) {
            TokenLengthStats t = s.tokens();
            boolean none = t.count() == 0;
            table.row(s.split(), count(s.rows()), s.rows() == 0 ? "-" : labels(s.labels(), task),
                    none ? "-" : String.format(Locale.ROOT, "%.2f", t.mean()),
                    none ? "-" : Integer.toString(t.p50()), none ? "-" : Integer.toString(t.p95()),
                    none ? "-" : Integer.toString(t.max()), count(s.skipped().count()));
        }
        return "task " + stats.task() + " from " + data + " (tokens include [CLS]/[SEP], truncated to " + maxLength
                + "; percentiles nearest-rank)\n\n" + table.render() + "\n"
                + String.format(Locale.ROOT, "padding efficiency on train (length-bucketed batches of %d): %.4f%n",
                DataStatsCommand.BATCH_SIZE, stats.paddingEfficiency());
    }

    private static String labels(Map<String, Long> labels, TaskSpec task) {
        if (labels.isEmpty()) {
            return task.isRegression() ? "(regression)" : "(unlabeled)";
        }
        return labels.entrySet().stream()
                .map(e -> task.labelNames().get(Integer.parseInt(e.getKey())) + " " + count(e.getValue()))
                .collect(Collectors.joining(" / "));
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static double round(double value, int decimals) {
        return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).doubleValue();
    }
}
