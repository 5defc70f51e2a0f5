package io.mtl4j.cli;

import io.mtl4j.bench.DataBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mtl4j bench}: a container for benchmarks; each is a subcommand listed below. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. Run 'mtl4j bench <command> --help' for details.",
        subcommands = {DataBench.class, BenchPcgradCommand.class, io.mtl4j.bench.TrainBench.class,
                BenchSoakCommand.class, io.mtl4j.bench.EvalBench.class, io.mtl4j.bench.BenchAll.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
