package io.mtl4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mtl4j pcgrad}: gradient surgery on task gradients stored in files. */
@Command(name = "pcgrad", mixinStandardHelpOptions = true,
        description = {
                "PCGrad gradient surgery on task gradients stored in a safetensors file.",
                "Yu et al. 2020, \"Gradient Surgery for Multi-Task Learning\". Run 'mtl4j pcgrad apply --help'",
                "for the details."},
        subcommands = {PcgradApplyCommand.class})
public final class PcgradCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
