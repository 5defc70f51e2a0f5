package io.mtl4j.cli;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.train.SavedConfig;
import io.mtl4j.train.TrainSession;
import io.mtl4j.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code mtl4j train}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Fine-tunes one shared BERT encoder with one head per task on GLUE (or your own) tasks.",
                "",
                "Every recipe option (all but --config, --output, --resume and the --dist-* options) can also be",
                "set in a YAML/JSON --config file under the same name without dashes (e.g. batch-size: 32); flags",
                "given here override the file. Relative paths in the file are read from the working directory.",
                "The effective config and its provenance (seed, versions, git SHA, data hashes) are saved beside",
                "every checkpoint.",
                "",
                "Run layout: RUN/{best,last,step-N,best-<task>}/ (Hugging Face model directories with heads",
                "under heads.<task>.), RUN/metrics.jsonl (one JSON object per line), RUN/eval.json (the best",
                "checkpoint's dev scores as fractions). SIGTERM or Ctrl-C saves RUN/last and exits;",
                "--resume RUN continues exactly where it stopped.",
                "",
                "Examples:",
                "  mtl4j train --config configs/minilm-cpu.yaml --data ../shared/glue \\",
                "      --model ../shared/models/minilm-l6-h384 --tasks sst2,mnli,qqp --steps 1500 --output runs/mtl",
                "  mtl4j train --resume runs/mtl",
                "",
                "Data parallel: run one process per rank with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and",
                "MASTER_PORT set (torchrun, Slurm, Kubernetes PyTorchJob), or let 'mtl4j launch' start them:",
                "  mtl4j launch --nproc-per-node 2 train --config configs/minilm-cpu.yaml ... --output runs/dp",
                "The effective batch is --batch-size x --grad-accum x WORLD_SIZE; rank 0 writes the run.",
                ""})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config file.")
    Path configFile;
    @Option(names = "--output", paramLabel = "RUN", description = "New run directory (must not exist or be empty).")
    Path output;
    @Option(names = "--resume", paramLabel = "RUN", description = "Continue the run in RUN from its newest checkpoint.")
    Path resume;

    @picocli.CommandLine.Mixin
    TrainOptions options;

    @Option(names = "--dist-backend", paramLabel = "auto|gloo|nccl", defaultValue = "auto",
            description = "c10d backend when WORLD_SIZE > 1: auto = NCCL on CUDA, Gloo on CPU (default ${DEFAULT-VALUE}).")
    String distBackend;
    @Option(names = "--dist-timeout", paramLabel = "SECONDS", defaultValue = "1800",
            description = "Bound on the rendezvous and on every collective, including the other ranks' wait while rank 0 "
                    + "evaluates and saves a checkpoint; a rank that died or hung stops the others within it, with an "
                    + "error naming it (default ${DEFAULT-VALUE}).")
    long distTimeoutSeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (output == null && resume == null) {
            throw new UserError("give --output RUN for a new run, or --resume RUN to continue one");
        }
        if (output != null && resume != null) {
            throw new UserError("give either --output or --resume, not both");
        }
        Map<String, Object> overrides = options.overrides();
        TrainConfig config = resume != null
                ? ConfigLoader.load(SavedConfig.ofRun(resume).toMap(), "saved config", configFile, overrides)
                : ConfigLoader.load(configFile, overrides);
        List<String> commandLine = spec.commandLine().getParseResult().originalArgs();
        io.mtl4j.dist.DistSettings dist = new io.mtl4j.dist.DistSettings(distBackend,
                java.time.Duration.ofSeconds(distTimeoutSeconds));
        TrainSession.Outcome outcome = TrainSession.run(config, output, resume, commandLine, step -> { },
                io.mtl4j.dist.DistEnv.fromEnvironment(), dist);
        return outcome.result().interrupted() ? 130 : 0;
    }
}
