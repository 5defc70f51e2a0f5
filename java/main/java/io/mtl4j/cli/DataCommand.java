package io.mtl4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mtl4j data}: a container for data subcommands. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Inspect datasets. Run 'mtl4j data <command> --help' for details.",
        subcommands = {DataStatsCommand.class})
public final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
