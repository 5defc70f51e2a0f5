package io.mtl4j.bench;

import io.mtl4j.data.CacheDirs;

import io.mtl4j.cli.ModelArgument;
import io.mtl4j.cli.TokenizeProgress;
import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.BatchingConfig;
import io.mtl4j.data.DataSource;
import io.mtl4j.data.PaddingEfficiency;
import io.mtl4j.data.SplitData;
import io.mtl4j.data.SplitLoader;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.data.TokenizedSplits;
import io.mtl4j.hub.Env;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertBatchEncoder;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code mtl4j bench data}: tokenization throughput (cold, into an empty temporary token cache,
 * and from that cache) on each task's train split, and the padding efficiency of length-bucketed
 * batches against plain dynamic padding and fixed lengths 128 and 512 (the seed recipe).
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {
                "Tokenization throughput and padding efficiency on train splits.",
                "",
                "Throughput: cold (empty temporary token cache, including writing it; after",
                "an untimed warm-up of 2048 examples) and from the cache (best of 3 loads).",
                "Padding efficiency (real / padded tokens over one epoch): length-bucketed",
                "batches vs plain dynamic padding vs fixed 128 and fixed 512 (the seed).",
                "The temporary cache is deleted afterwards.",
                "",
                "Example:",
                "  mtl4j bench data --data ../shared/glue \\",
                "      --model ../shared/models/minilm-l6-h384 --tasks sst2,mnli"})
public final class DataBench implements Callable<Integer> {
    static final int CACHED_RUNS = 3;
    static final int WARMUP_EXAMPLES = 2048;
    static final long PLAN_SEED = 0;
    private static final Logger LOG = LogManager.getLogger(DataBench.class);

    @CommandLine.Mixin
    BenchData data;

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID", description = "The model whose tokenizer (tokenizer.json, or vocab.txt) to use.")
    String model;

    @Option(names = "--revision", defaultValue = "main", description = "Hub revision for a hub model id. Default: ${DEFAULT-VALUE}.")
    String revision;

    @Option(names = "--tasks", defaultValue = "sst2,mnli", split = ",", paramLabel = "TASK", description = "Tasks to measure. Default: ${DEFAULT-VALUE}.")
    List<String> tasks;

    @Option(names = "--max-length", defaultValue = "128", description = "Truncate to this many tokens. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "32", description = "Batch size for padding efficiency. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of tables.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) {
            throw new UserError("--batch-size must be at least 1, got " + batchSize);
        }
        TaskRegistry registry = TaskRegistry.glue();
        List<TaskSpec> specs = tasks.stream().map(registry::get).toList();
        DataSource source = data.resolve(CacheDirs.tokens(null, Env.system()));
        Path modelDir = ModelArgument.resolve(model, revision);
        Path tempCache = Files.createTempDirectory("mtl4j-bench-tokens-");
        List<TokenizationResult> tokenization = new ArrayList<>();
        List<PaddingResult> padding = new ArrayList<>();
        try (BertTokenizer tokenizer = BertTokenizer.load(modelDir, maxLength)) {
            for (TaskSpec task : specs) {
                long t0 = System.nanoTime();
                SplitData train = SplitLoader.load(source, task, "train", BadRowPolicy.ERROR);
                double readSeconds = seconds(t0);
                List<TokenizedExample> tokenized = measureTokenization(task, train, readSeconds, tokenizer, tempCache,
                        tokenization);
                padding.add(measurePadding(task, TokenizedSplits.lengths(tokenized)));
            }
        } finally {
            deleteRecursively(tempCache);
        }
        DataBenchReport report = new DataBenchReport(Machine.current(), maxLength, tokenization, padding);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.json() + "\n" : report.table());
        out.flush();
        return 0;
    }

    private List<TokenizedExample> measureTokenization(TaskSpec task, SplitData train, double readSeconds,
                                                       BertTokenizer tokenizer, Path cache,
                                                       List<TokenizationResult> results) {
        warmUp(train, tokenizer);
        long t0 = System.nanoTime();
        List<TokenizedExample> cold;
        try (TokenizeProgress progress = new TokenizeProgress("tokenize " + task.name() + "/train", train.examples().size())) {
            BertBatchEncoder encoder = new BertBatchEncoder(tokenizer, BertBatchEncoder.DEFAULT_CHUNK, progress);
            cold = TokenizedSplits.cached(cache, tokenizer.fingerprint(), maxLength, task, train, encoder);
        }
        double coldSeconds = seconds(t0);
        double cachedSeconds = Double.MAX_VALUE;
        for (int run = 0; run < CACHED_RUNS; run++) {
            long t1 = System.nanoTime();
            List<TokenizedExample> cached = TokenizedSplits.cached(cache, tokenizer.fingerprint(), maxLength, task, train,
                    (a, b) -> {
                        throw new IllegalStateException("token cache missed on a repeated run");
                    });
            cachedSeconds = Math.min(cachedSeconds, seconds(t1));
            if (cached.size() != cold.size()) {
                throw new IllegalStateException("cache returned " + cached.size() + " examples, expected " + cold.size());
            }
        }
        long tokens = Arrays.stream(TokenizedSplits.lengths(cold)).asLongStream().sum();
        LOG.info(String.format(Locale.ROOT, "%s/train: %d examples, cold %.3f s, cached %.3f s", task.name(), cold.size(), coldSeconds, cachedSeconds));
        results.add(new TokenizationResult(task.name(), "train", cold.size(), tokens, readSeconds, coldSeconds, cachedSeconds));
        return cold;
    }

    /** Encodes a few examples untimed, so the cold figure excludes one-off native and JIT start-up. */
    private static void warmUp(SplitData train, BertTokenizer tokenizer) {
        int n = Math.min(WARMUP_EXAMPLES, train.examples().size());
        List<String> a = new ArrayList<>(n);
        List<String> b = new ArrayList<>(n);
        boolean pair = n > 0 && train.examples().get(0).textB() != null;
        for (int i = 0; i < n; i++) {
            a.add(train.examples().get(i).textA());
            b.add(train.examples().get(i).textB());
        }
        new BertBatchEncoder(tokenizer).encode(a, pair ? b : null);
    }

    private PaddingResult measurePadding(TaskSpec task, int[] lengths) {
        int longest = Arrays.stream(lengths).max().orElse(0);
        return new PaddingResult(task.name(), "train", batchSize,
                PaddingEfficiency.of(lengths, BatchingConfig.bucketed(batchSize), PLAN_SEED),
                PaddingEfficiency.of(lengths, BatchingConfig.dynamic(batchSize), PLAN_SEED),
                longest <= 128 ? PaddingEfficiency.of(lengths, BatchingConfig.fixed(batchSize, 128), PLAN_SEED) : null,
                longest <= 512 ? PaddingEfficiency.of(lengths, BatchingConfig.fixed(batchSize, 512), PLAN_SEED) : null);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
