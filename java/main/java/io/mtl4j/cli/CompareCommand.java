package io.mtl4j.cli;

import io.mtl4j.compare.Comparison;
import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code mtl4j compare}: single-task baselines against the multi-task model. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Trains the multi-task model, then one single-task baseline per task that gets the number of",
                "optimizer steps the sampler gave that task in the multi-task run, with the same hyperparameters.",
                "Writes OUTPUT/report.md (task, metric, single, multi, delta), report.json and curves.png (dev",
                "metric against step for each task and run). --seeds K repeats everything with seeds seed..seed+K-1",
                "and reports mean ± std and whether each delta exceeds the seed noise.",
                "",
                "Takes every 'mtl4j train' option for the shared recipe. Example:",
                "  mtl4j compare --config configs/minilm-cpu.yaml --data ../shared/glue \\",
                "      --model ../shared/models/minilm-l6-h384 --tasks sst2,mnli,qqp --steps 1500 \\",
                "      --with-pcgrad --with-frozen 3 --output runs/compare"})
public final class CompareCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config file.")
    Path configFile;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "New directory for all runs and the report.")
    Path output;
    @Option(names = "--seeds", defaultValue = "1", description = "Repeat with this many seeds (default ${DEFAULT-VALUE}).")
    int seeds;
    @Option(names = "--with-pcgrad", description = "Also train the multi-task model with --mtl pcgrad (adds a PCGrad vs plain row).")
    boolean withPcgrad;
    @Option(names = "--with-frozen", paramLabel = "K", defaultValue = "0",
            description = "Also train with the embeddings and first K layers frozen (adds a frozen-K vs full row).")
    int withFrozen;
    @Mixin
    TrainOptions train;

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) {
            throw new UserError("--seeds must be at least 1");
        }
        TrainConfig config = ConfigLoader.load(configFile, train.overrides());
        Comparison.run(config, output, seeds, withPcgrad, withFrozen);
        System.err.println("wrote " + output.resolve("report.md") + ", report.json and curves.png");
        return 0;
    }
}
