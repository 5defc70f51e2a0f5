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
                "Single-task baselines against the multi-task model, as a table (report.md) and a plot.",
                "Trains the multi-task model, then one single-task baseline per task that gets the number of",
                "optimizer steps the sampler gave that task in the multi-task run, with the same hyperparameters.",
                "Writes OUTPUT/report.md, a table with columns comparison | task | metric | A | B | Δ | p | beyond noise",
                "(comparison: single vs multi, plain vs pcgrad, full vs frozen-K; Δ = B − A), report.json, and",
                "curves.png: each task's dev metric against the batches of that task trained (not optimizer steps),",
                "one line per run. --seeds K repeats everything with seeds seed..seed+K-1 and reports mean ± std",
                "and whether each Δ is beyond the seed noise: p of Welch's t-test on the seeds' scores below 0.05.",
                "",
                "A stopped comparison (Ctrl-C, SIGTERM, a crash) loses nothing: --resume OUTPUT reuses the",
                "finished runs, continues the stopped one from its checkpoint and starts the rest.",
                "",
                "Takes every 'mtl4j train' option for the shared recipe. Example:",
                "  mtl4j compare --config configs/minilm-cpu.yaml --data ../shared/glue \\",
                "      --model ../shared/models/minilm-l6-h384 --tasks sst2,mnli,qqp --steps 1500 \\",
                "      --with-pcgrad --with-frozen 3 --output runs/compare",
                "  mtl4j compare --resume runs/compare"})
public final class CompareCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config file.")
    Path configFile;
    @Option(names = "--output", paramLabel = "DIR", description = "New directory for all runs and the report.")
    Path output;
    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the comparison in DIR with its saved plan (only options such as --device or --threads may be given).")
    Path resume;
    @Option(names = "--seeds", description = "Repeat with this many seeds (default 1).")
    Integer seeds;
    @Option(names = "--with-pcgrad", description = "Also train the multi-task model with --mtl pcgrad (adds plain vs pcgrad rows). "
            + "A PCGrad step takes a batch of every task, so it gets 1/K of --steps: the same examples as the plain run.")
    boolean withPcgrad;
    @Option(names = "--with-frozen", paramLabel = "K",
            description = "Also train with the embeddings and first K layers frozen (adds full vs frozen-K rows).")
    Integer withFrozen;
    @Mixin
    TrainOptions train;

    @Override
    public Integer call() throws Exception {
        if ((output == null) == (resume == null)) {
            throw new UserError("give --output DIR for a new comparison, or --resume DIR to continue one (not both)");
        }
        Comparison.Outcome outcome;
        if (resume != null) {
            if (configFile != null || seeds != null || withPcgrad || withFrozen != null) {
                throw new UserError("--resume continues the saved plan; --config, --seeds, --with-pcgrad and --with-frozen cannot change it");
            }
            outcome = Comparison.resume(resume, train.overrides());
        } else {
            int k = seeds == null ? 1 : seeds;
            if (k < 1) {
                throw new UserError("--seeds must be at least 1");
            }
            int frozen = withFrozen == null ? 0 : withFrozen;
            if (frozen < 0) {
                throw new UserError("--with-frozen must be at least 0");
            }
            TrainConfig config = ConfigLoader.load(configFile, train.overrides());
            outcome = Comparison.run(new Comparison.Plan(config, k, withPcgrad, frozen), output);
        }
        Path dir = resume != null ? resume : output;
        if (outcome.stopped()) {
            // The stopped run has logged "continue with: mtl4j compare --resume DIR". Printing it here
            // would be too late: on a SIGTERM the JVM exits as soon as that run has saved its checkpoint.
            return 130;
        }
        System.err.println("wrote " + dir.resolve("report.md") + ", report.json and curves.png");
        printTable(dir.resolve("report.md"));
        return 0;
    }

    /** The report's table on stdout, so the comparison's answer is on the screen when it ends. */
    private void printTable(Path reportMd) throws java.io.IOException {
        java.io.PrintWriter out = spec.commandLine().getOut();
        for (String line : java.nio.file.Files.readAllLines(reportMd)) {
            if (line.startsWith("|")) {
                out.println(line);
            }
        }
        out.flush();
    }
}
