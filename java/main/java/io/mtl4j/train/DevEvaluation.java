package io.mtl4j.train;

import io.mtl4j.cli.ProgressBar;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.eval.Evaluator;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.tasks.TaskSpec;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Device;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One periodic evaluation during training: every task on each of its dev splits, one
 * {@code {"step","split","task",<metric>:value}} line per split in metrics.jsonl.
 *
 * @param byKey      scores under eval.json's keys ("mnli", "mnli-mm", ...)
 * @param mainScores each task's main metric on its main dev split, for choosing the best checkpoint
 */
record DevEvaluation(Map<String, Map<String, Double>> byKey, Map<String, Double> mainScores) {
    private static final Logger LOG = LogManager.getLogger(DevEvaluation.class);

    /** Evaluates at {@code step}, at most {@code maxExamples} examples per split (0: all). */
    static DevEvaluation run(MultiTaskModel model, List<String> tasks, Map<String, TaskData> data, long step,
                             long maxExamples, int batchSize, Device device, MetricsLog metrics) throws IOException {
        Map<String, Map<String, Double>> byKey = new LinkedHashMap<>();
        Map<String, Double> mainScores = new LinkedHashMap<>();
        for (String task : tasks) {
            TaskData td = data.get(task);
            TaskSpec spec = td.spec();
            for (String split : TaskData.devSplits(spec)) {
                List<TokenizedExample> dev = td.splits().get(split);
                if (dev == null) {
                    continue;
                }
                if (maxExamples > 0 && dev.size() > maxExamples) {
                    dev = dev.subList(0, (int) maxExamples);
                }
                Map<String, Double> scores;
                try (ProgressBar bar = new ProgressBar("eval " + task + " " + split, dev.size())) {
                    scores = Evaluator.evaluate(model, spec, dev, batchSize, device, bar::step);
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("step", step);
                line.put("split", split);
                line.put("task", task);
                line.putAll(scores);
                metrics.write(line);
                LOG.info("step {} {} {}: {}", step, task, split, format(scores));
                String key = TaskData.resultKey(spec, split);
                byKey.put(key, scores);
                if (key.equals(task)) {
                    mainScores.put(task, scores.get(spec.mainMetric().id()));
                }
            }
        }
        return new DevEvaluation(byKey, mainScores);
    }

    private static String format(Map<String, Double> scores) {
        StringBuilder sb = new StringBuilder();
        scores.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.4f", k, v)));
        return sb.toString();
    }
}
