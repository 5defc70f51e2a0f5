package io.mtl4j.cli;

import io.mtl4j.data.DataSources;
import io.mtl4j.data.CacheDirs;

import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.BatchingConfig;
import io.mtl4j.data.DataSource;
import io.mtl4j.data.DataStats;
import io.mtl4j.data.MissingSplitError;
import io.mtl4j.data.PaddingEfficiency;
import io.mtl4j.data.SplitData;
import io.mtl4j.data.SplitFile;
import io.mtl4j.data.SplitLoader;
import io.mtl4j.data.SplitStats;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.data.TokenizedSplits;
import io.mtl4j.hub.Env;
import io.mtl4j.model.BertConfig;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertBatchEncoder;
import io.mtl4j.tokenize.BertTokenizer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mtl4j data stats}: rows, labels, token lengths and padding efficiency of a task's splits. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {
                "Rows, labels, token lengths and padding efficiency of a task's splits.",
                "",
                "For each split found (train, validation, ..., test): rows, rows per label,",
                "token lengths (with [CLS]/[SEP], after truncation: mean, nearest-rank p50",
                "and p95, max) and rows skipped. Then the padding efficiency (real / padded",
                "tokens) of the default batching, length-bucketed batches of 32, over one",
                "epoch of train. Tokenizations go to the token cache; reruns read them back.",
                "",
                "Example:",
                "  mtl4j data stats --task sst2 --data ../shared/glue \\",
                "      --model ../shared/models/minilm-l6-h384 --json"})
public final class DataStatsCommand implements Callable<Integer> {
    static final int BATCH_SIZE = 32;
    /** The seed of the epoch plan whose padding efficiency is reported. */
    static final long PLAN_SEED = 0;
    private static final Logger LOG = LogManager.getLogger(DataStatsCommand.class);

    @Option(names = "--task", required = true,
            description = "A GLUE task (cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli) or one of --task-file.")
    String task;

    @Option(names = "--task-file", paramLabel = "FILE", description = "YAML/JSON file declaring your own tasks, as for train.")
    Path taskFile;

    @Option(names = "--data", paramLabel = "DIR|hub",
            description = "A data directory (see docs/data.md for the layouts) or 'hub' for nyu-mll/glue on the Hugging Face hub"
                    + " (not needed for a task of --task-file: it names its own files).")
    String data;

    @Option(names = "--data-revision", paramLabel = "REV",
            description = "With --data hub: the revision of nyu-mll/glue (branch, tag or commit) to read. Default: main.")
    String dataRevision;

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID", description = "The model whose tokenizer (tokenizer.json, or vocab.txt) to use.")
    String model;

    @Option(names = "--revision", defaultValue = "main", description = "Hub revision for a hub model id. Default: ${DEFAULT-VALUE}.")
    String revision;

    @Option(names = "--max-length", defaultValue = "128", description = "Truncate to this many tokens. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of a table.")
    boolean json;

    @Option(names = "--on-bad-row", defaultValue = "error", paramLabel = "error|skip",
            description = "error: stop at the first bad row (file:line); skip: drop and count bad rows. Default: ${DEFAULT-VALUE}.")
    String onBadRow;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Token cache directory. Default: $MTL4J_CACHE, else ~/.cache/mtl4j/tokens.")
    Path cacheDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        BadRowPolicy policy = BadRowPolicy.parse(onBadRow);
        TaskSpec spec = (taskFile == null ? TaskRegistry.glue() : TaskRegistry.glue().withTasksFrom(taskFile)).get(task);
        Path tokenCache = CacheDirs.tokens(cacheDir, Env.system());
        DataSource source = DataSources.forTasks(data, dataRevision, List.of(spec), tokenCache, Env.system(),
                new ModelArgument.DownloadBars());
        Path modelDir = ModelArgument.resolve(model, revision);
        // Only the tokenizer is needed; a model's config.json, where there is one, caps the length as train does.
        int positions = java.nio.file.Files.isRegularFile(modelDir.resolve(BertConfig.FILE_NAME))
                ? BertConfig.load(modelDir).maxPositionEmbeddings() : Integer.MAX_VALUE;
        if (maxLength > positions) {
            LOG.warn("--max-length {} exceeds the model's {} positions: sequences are truncated to {}", maxLength, positions, positions);
            maxLength = positions;
        }
        DataStats stats;
        try (BertTokenizer tokenizer = BertTokenizer.load(modelDir, maxLength)) {
            stats = collect(spec, source, tokenizer, tokenCache, policy);
        }
        PrintWriter out = this.spec.commandLine().getOut();
        if (json) {
            out.println(DataStatsOutput.json(stats, spec));
        } else {
            // A user task's splits are the files its declaration names; --data is not read for it.
            String from = spec.splitFiles().isEmpty() ? data : "the files " + taskFile + " names";
            out.print(DataStatsOutput.table(stats, spec, from, maxLength));
        }
        out.flush();
        return 0;
    }

    private DataStats collect(TaskSpec task, DataSource source, BertTokenizer tokenizer, Path tokenCache,
                              BadRowPolicy policy) {
        List<SplitStats> splits = new ArrayList<>();
        int[] trainLengths = null;
        for (String split : task.splits()) {
            SplitFile file;
            try {
                file = source.locate(task, split);
            } catch (MissingSplitError e) {
                if (split.equals("train") || task.splitFiles().containsKey(split)) {
                    // The padding efficiency is measured on train; a file the task file names is there by
                    // declaration (a typo in it must not make the split silently vanish from the stats).
                    throw e;
                }
                LOG.debug("{}: {}", split, e.getMessage());
                continue;
            }
            SplitData data = SplitLoader.read(file, task, split, policy);
            reportSkipped(data);
            List<TokenizedExample> tokenized = tokenize(task, data, tokenizer, tokenCache);
            splits.add(SplitStats.of(task, data, tokenized));
            if (split.equals("train")) {
                trainLengths = TokenizedSplits.lengths(tokenized);
            }
        }
        double efficiency = PaddingEfficiency.of(trainLengths, BatchingConfig.bucketed(BATCH_SIZE), PLAN_SEED);
        return new DataStats(task.name(), splits, efficiency);
    }

    private void reportSkipped(SplitData data) {
        if (data.skipped().count() == 0) {
            return;
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("mtl4j: skipped " + data.skipped().count() + " bad row(s) in " + data.split()
                + (data.skipped().count() > data.skipped().first().size() ? "; the first:" : ":"));
        data.skipped().first().forEach(location -> err.println("  " + location));
        err.flush();
    }

    private static List<TokenizedExample> tokenize(TaskSpec task, SplitData data, BertTokenizer tokenizer, Path tokenCache) {
        long t0 = System.nanoTime();
        List<TokenizedExample> tokenized;
        boolean encoded;
        try (TokenizeProgress progress = new TokenizeProgress("tokenize " + data.split(), data.examples().size())) {
            BertBatchEncoder encoder = new BertBatchEncoder(tokenizer, BertBatchEncoder.DEFAULT_CHUNK, progress);
            tokenized = TokenizedSplits.cached(tokenCache, tokenizer.fingerprint(), tokenizer.maxLength(), task, data, encoder);
            encoded = progress.used();
        }
        LOG.info("{}/{}: {} examples {} in {} s", task.name(), data.split(), tokenized.size(),
                encoded ? "tokenized (and cached)" : "read from the token cache",
                String.format(java.util.Locale.ROOT, "%.3f", (System.nanoTime() - t0) / 1e9));
        return tokenized;
    }
}
