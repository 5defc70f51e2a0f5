package io.mtl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.eval.Evaluator;
import io.mtl4j.eval.LoadedCheckpoint;
import io.mtl4j.runtime.Devices;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.data.CacheDirs;
import io.mtl4j.data.DataSource;
import io.mtl4j.train.TaskData;
import io.mtl4j.train.TrainSession;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code mtl4j eval}: GLUE metrics of a checkpoint on any labeled split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {
                "Scores a checkpoint's task heads on labeled splits with the GLUE metrics.",
                "Scores are not percentages: accuracy (every classification task) and F1 (QQP, MRPC) are in",
                "[0, 1]; Matthews (CoLA), Pearson and Spearman (STS-B) are correlations in [-1, 1].",
                "Without --split each task's dev split(s) are used; for MNLI, 'validation' means matched, and",
                "mismatched is reported as mnli-mm when present.",
                "A checkpoint's own tasks (train --task-file) read the files their task file names; when the",
                "project has moved, --task-file FILE points at the task file now: its declaration of each task",
                "must give the labels the head was trained with, in order, and its split files are scored.",
                "--checkpoint may also be a Hugging Face BertForSequenceClassification directory (an export, or a",
                "model fine-tuned with transformers): its task is the one task named here, else config.json's",
                "finetuning_task; its id2label must be the task's labels in order (transformers' LABEL_0, LABEL_1, ...",
                "are read in the task's order), and it truncates at tokenizer_config.json's model_max_length.",
                "",
                "Example:",
                "  mtl4j eval --checkpoint runs/mtl/best --data ../shared/glue --tasks sst2,qqp --json",
                "  mtl4j eval --checkpoint exported/sst2 --data ../shared/glue --json",
                "  mtl4j eval --checkpoint runs/mtl/best --tasks reviews --task-file ~/moved/tasks.yaml"})
public final class EvalCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    CheckpointOptions checkpointOptions;
    @Option(names = "--data", paramLabel = "DIR|hub", description = "Data directory in any supported layout, or 'hub' "
            + "(default: the data the checkpoint was trained on).")
    String data;
    @Option(names = "--task-file", paramLabel = "FILE", description = "YAML/JSON file declaring the checkpoint's own tasks"
            + " (as for train), e.g. where a moved project's file is now: its declaration of a task the checkpoint has must give"
            + " the labels the head was trained with, in order; its split files are the ones scored. Default: the file the checkpoint was trained with,"
            + " if it is still there.")
    Path taskFile;
    @Option(names = "--data-revision", paramLabel = "REV",
            description = "With --data hub: the revision of nyu-mll/glue (branch, tag or commit) to read. Default: main, or the checkpoint's with its training data.")
    String dataRevision;
    @Option(names = "--tasks", paramLabel = "T1,T2", description = "Tasks to score (default: all heads of the checkpoint).")
    String tasks;
    @Option(names = "--split", description = "Split to score, e.g. validation, train, validation_mismatched.")
    String split;
    @Option(names = "--json", description = "Print eval.json's shape on stdout.")
    boolean json;
    @Option(names = "--batch-size", defaultValue = "64", description = "Examples per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--on-bad-row", defaultValue = "error", description = "error | skip.")
    String onBadRow;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Token cache directory. Default: $MTL4J_CACHE, else ~/.cache/mtl4j/tokens.")
    Path cacheDir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new UserError("--batch-size is " + batchSize + "; must be at least 1");
        }
        List<String> asked = tasks == null ? null : taskNames(tasks);
        Device dev = Devices.resolve(device);
        Path checkpoint = checkpointOptions.resolve();
        LoadedCheckpoint ckpt = LoadedCheckpoint.load(checkpoint, dev, taskFile, asked == null ? List.of() : asked);
        List<String> names = asked == null ? new ArrayList<>(ckpt.tasks().keySet()) : asked;
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        int maxLength = Math.min(ckpt.config().maxLength(), ckpt.model().config().maxPositionEmbeddings());
        Path cache = CacheDirs.tokens(cacheDir, io.mtl4j.hub.Env.system());
        DataSource source = ckpt.dataSource(data, dataRevision, names.stream().map(n -> ckpt.task(n.trim())).toList(), cache,
                new ModelArgument.DownloadBars());
        try (BertTokenizer tokenizer = BertTokenizer.load(checkpoint, maxLength)) {
            for (String name : names) {
                TaskSpec task = ckpt.task(name.trim());
                for (String s : splitsOf(task)) {
                    if (!TaskSpec.isLabeledSplit(s)) {
                        throw new UserError("split " + s + " of " + task.name() + " has no labels to score; use 'mtl4j predict'");
                    }
                    boolean optional = split == null && s.equals("validation_mismatched");
                    TaskData td = TaskData.load(task, source, List.of(s), optional ? List.of(s) : List.of(), tokenizer, cache,
                            BadRowPolicy.parse(onBadRow));
                    List<TokenizedExample> examples = td.splits().get(s);
                    if (examples == null) {
                        continue;
                    }
                    Map<String, Double> scores;
                    try (ProgressBar bar = new ProgressBar("eval " + task.name() + " " + s, examples.size())) {
                        scores = Evaluator.evaluate(ckpt.model(), task, examples, batchSize, dev, bar::step);
                    }
                    results.put(resultKey(task, s), scores);
                }
            }
        }
        print(results);
        return 0;
    }

    private List<String> splitsOf(TaskSpec task) {
        if (split == null) {
            List<String> dev = TaskData.devSplits(task);
            if (dev.isEmpty()) {
                throw new UserError("task " + task.name() + " has no dev split; give --split");
            }
            return dev;
        }
        if (split.equals("validation") && !task.hasSplit("validation") && task.hasSplit("validation_matched")) {
            return List.of("validation_matched");
        }
        return List.of(split);
    }

    /** eval.json's key, except that a split asked for by --split is reported under the task's name. */
    private String resultKey(TaskSpec task, String s) {
        String key = TaskData.resultKey(task, s);
        return split != null && !key.equals("mnli-mm") ? task.name() : key;
    }

    private void print(Map<String, Map<String, Double>> results) throws Exception {
        if (json) {
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
        } else {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s %s%n", "task", "metric", "value"));
            results.forEach((t, m) -> m.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%-12s %-10s %.4f%n", t, k, v))));
            spec.commandLine().getOut().print(sb);
        }
        spec.commandLine().getOut().flush();
    }

    /** The names of --tasks, each once; blank entries ("sst2,,qqp", a trailing comma) are no task. */
    private static List<String> taskNames(String option) {
        List<String> names = new ArrayList<>();
        for (String part : option.toLowerCase(Locale.ROOT).split(",")) {
            if (!part.isBlank() && !names.contains(part.trim())) {
                names.add(part.trim());
            }
        }
        if (names.isEmpty()) {
            throw new UserError("--tasks '" + option + "' names no task; give --tasks t1,t2, or leave it out to score every"
                    + " head of the checkpoint");
        }
        return names;
    }
}
