package io.mtl4j.cli;

import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.CacheDirs;
import io.mtl4j.data.DataSource;
import io.mtl4j.data.MissingSplitError;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.eval.Evaluator;
import io.mtl4j.eval.LoadedCheckpoint;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.train.TaskData;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code mtl4j predict --glue-submission DIR}: the GLUE leaderboard TSVs of the test splits, one per task
 * (MNLI: MNLI-m, MNLI-mm and AX, if its data is found), never overwriting a file in DIR.
 */
final class GlueSubmission {
    private static final Map<String, String> GLUE_FILES = Map.of(
            "cola", "CoLA", "sst2", "SST-2", "mrpc", "MRPC", "stsb", "STS-B", "qqp", "QQP",
            "qnli", "QNLI", "rte", "RTE", "wnli", "WNLI", "mnli", "MNLI");

    private final Path submission;
    private final String data;
    private final String dataRevision;
    private final Path cacheDir;
    private final int batchSize;
    private final PrintWriter err;

    /**
     * @param submission   DIR, where the TSVs go
     * @param data         --data (null: the checkpoint's training data)
     * @param dataRevision --data-revision (null: see {@link #write})
     * @param cacheDir     --cache-dir (null: the default token cache)
     * @param err          where warnings and "wrote FILE" lines go
     */
    GlueSubmission(Path submission, String data, String dataRevision, Path cacheDir, int batchSize, PrintWriter err) {
        this.submission = submission;
        this.data = data;
        this.dataRevision = dataRevision;
        this.cacheDir = cacheDir;
        this.batchSize = batchSize;
        this.err = err;
    }

    /** {@code task} (--task), or without it every head of the checkpoint that is a GLUE task. */
    List<TaskSpec> tasks(LoadedCheckpoint ckpt, String task) {
        if (task != null) {
            TaskSpec one = ckpt.task(task.toLowerCase(Locale.ROOT));
            if (!GLUE_FILES.containsKey(one.name())) {
                throw new UserError("task " + one.name() + " is not a GLUE task; --glue-submission writes GLUE files only");
            }
            return List.of(one);
        }
        List<TaskSpec> glue = ckpt.tasks().keySet().stream().filter(GLUE_FILES::containsKey).map(ckpt::task).toList();
        if (glue.isEmpty()) {
            throw new UserError("the checkpoint has no GLUE task head (heads: " + String.join(", ", ckpt.tasks().keySet())
                    + "); --glue-submission writes GLUE files only");
        }
        for (String other : ckpt.tasks().keySet()) {
            if (!GLUE_FILES.containsKey(other)) {
                err.println("skipping task " + other + ": not a GLUE task");
            }
        }
        return glue;
    }

    /** Writes the TSVs of {@code tasks}' test splits into DIR, predicted by the checkpoint's heads. */
    void write(LoadedCheckpoint ckpt, List<TaskSpec> tasks, BertTokenizer tokenizer, Device dev) throws Exception {
        if (Files.exists(submission) && !Files.isDirectory(submission)) {
            throw new UserError("--glue-submission " + submission + " is a file, not a directory");
        }
        io.mtl4j.util.Files2.requireCreatableDirectory(submission);
        // No saved work is overwritten: a file this run would write that already exists stops it here,
        // before anything is read or predicted. Other files in DIR (another task's, from another run) stay.
        List<String> known = new ArrayList<>();
        for (TaskSpec taskSpec : tasks) {
            known.addAll(taskSpec.name().equals("mnli") ? List.of("MNLI-m", "MNLI-mm") : List.of(GLUE_FILES.get(taskSpec.name())));
        }
        refuseExisting(known);
        // Every split of every task is read before anything is predicted (a missing file fails fast),
        // and predicted before any file is written: a missing test_mismatched must not leave
        // MNLI-m.tsv alone, a submission that looks complete.
        Path cache = CacheDirs.tokens(cacheDir, io.mtl4j.hub.Env.system());
        DataSource source = ckpt.dataSource(data, dataRevision, tasks, cache, new ModelArgument.DownloadBars());
        List<SubmissionFile> planned = new ArrayList<>();
        for (TaskSpec taskSpec : tasks) {
            boolean mnli = taskSpec.name().equals("mnli");
            List<String> splits = mnli ? List.of("test_matched", "test_mismatched") : List.of("test");
            TaskData td = TaskData.load(taskSpec, source, splits, List.of(), tokenizer, cache, BadRowPolicy.ERROR);
            for (String split : splits) {
                String name = mnli ? (split.equals("test_matched") ? "MNLI-m" : "MNLI-mm") : GLUE_FILES.get(taskSpec.name());
                planned.add(new SubmissionFile(name, taskSpec, taskSpec.name(), td.splits().get(split),
                        td.rowIndexes().get(split)));
            }
            if (mnli) {
                // The leaderboard also wants AX.tsv: the MNLI head's predictions on the diagnostic set.
                TaskSpec diagnostic = TaskRegistry.glueDiagnostic();
                try {
                    TaskData ax = TaskData.load(diagnostic, source, List.of("test"), List.of(), tokenizer, cache, BadRowPolicy.ERROR);
                    planned.add(new SubmissionFile("AX", diagnostic, "mnli", ax.splits().get("test"),
                            ax.rowIndexes().get("test")));
                } catch (MissingSplitError e) {
                    err.println("warning: AX.tsv not written, the leaderboard needs it too: " + e.getMessage());
                    Path stale = submission.resolve("AX.tsv");
                    if (Files.exists(stale)) {
                        err.println("warning: " + stale + " is left from an earlier prediction, not"
                                + " this checkpoint's: delete it or give --data a directory with ax/test");
                    }
                }
            }
        }
        // AX.tsv is only known to be written once its data is found; checked still before predicting.
        refuseExisting(planned.stream().map(SubmissionFile::name).toList());
        List<long[]> indexes = planned.stream().map(GlueSubmission::indexes).toList(); // checked before predicting
        Map<Path, String> files = new LinkedHashMap<>();
        for (int k = 0; k < planned.size(); k++) {
            SubmissionFile f = planned.get(k);
            files.put(submission.resolve(f.name() + ".tsv"),
                    predictionsTsv(ckpt, f.task(), f.head(), f.examples(), indexes.get(k), dev));
        }
        Files.createDirectories(submission);
        for (Map.Entry<Path, String> f : files.entrySet()) {
            AtomicFiles.write(f.getKey(), out -> out.write(f.getValue().getBytes(StandardCharsets.UTF_8)));
            long rows = f.getValue().lines().count() - 1;
            err.println("wrote " + f.getKey() + " (" + rows + " prediction" + (rows == 1 ? "" : "s") + ")");
        }
    }

    /** Fails, naming them, if any of the submission files {@code names} (without .tsv) already exists in DIR. */
    private void refuseExisting(List<String> names) {
        List<String> existing = names.stream().map(n -> submission.resolve(n + ".tsv"))
                .filter(Files::exists).map(Path::toString).toList();
        if (!existing.isEmpty()) {
            throw new UserError((existing.size() == 1 ? existing.get(0) + " already exists" : String.join(", ", existing)
                    + " already exist") + "; nothing was overwritten: remove "
                    + (existing.size() == 1 ? "it" : "them") + " or give --glue-submission another directory");
        }
    }

    /** A GLUE submission file to write: {@code name}.tsv, the {@code head}'s predictions on a test split of {@code task}. */
    private record SubmissionFile(String name, TaskSpec task, String head, List<TokenizedExample> examples,
                                  long[] rowIndexes) {
    }

    /**
     * The index column of a submission file: each row's own index (idx, GLUE's index column) when the
     * test file gives one for every row, else the row's position. Some rows with one and some without
     * is an error: positions would silently mislabel the rows that have one.
     */
    private static long[] indexes(SubmissionFile f) {
        long[] own = f.rowIndexes();
        long missing = java.util.Arrays.stream(own).filter(i -> i < 0).count();
        if (missing == own.length) {
            long[] positions = new long[own.length];
            java.util.Arrays.setAll(positions, i -> i);
            return positions;
        }
        if (missing > 0) {
            throw new UserError(f.task().name() + " test split: " + missing + " of " + own.length + " rows have no"
                    + " idx/index (an integer) while the others do; give every row one, or none (then rows are numbered"
                    + " by position)");
        }
        return own;
    }

    /** One GLUE submission file: {@code index<TAB>prediction} rows, in the split's order, by {@code head}; index from {@code indexes}. */
    private String predictionsTsv(LoadedCheckpoint ckpt, TaskSpec taskSpec, String head, List<TokenizedExample> examples,
                                  long[] indexes, Device dev) {
        Evaluator.Predictions predictions;
        try (ProgressBar bar = new ProgressBar("predict " + taskSpec.name(), examples.size())) {
            predictions = Evaluator.predict(ckpt.model(), head, examples, batchSize, dev, bar::step);
        }
        int broken = predictions.firstNonFinite();
        if (broken >= 0) {
            throw new UserError(taskSpec.name() + " test example " + broken + ": " + PredictCommand.nonFinite(taskSpec, predictions));
        }
        StringBuilder sb = new StringBuilder("index\tprediction\n");
        int[] labels = predictions.argmax();
        for (int i = 0; i < examples.size(); i++) {
            String prediction = taskSpec.isRegression()
                    ? String.format(Locale.ROOT, "%.3f", Math.max(0, Math.min(5, predictions.outputs()[i][0])))
                    : glueLabel(taskSpec, labels[i]);
            sb.append(indexes[i]).append('\t').append(prediction).append('\n');
        }
        return sb.toString();
    }

    /** GLUE's submission format: label names for the inference tasks, 0/1 for the others. */
    private static String glueLabel(TaskSpec task, int id) {
        return switch (task.name()) {
            case "mnli", "ax", "qnli", "rte" -> task.labelNames().get(id);
            default -> String.valueOf(id);
        };
    }
}
