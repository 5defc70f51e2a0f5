package io.mtl4j.cli;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's promise: every config key is also a flag of train and compare, with the same name. */
class TrainOptionsTest {
    @Test
    void everyConfigKeyIsAFlag() {
        for (Object command : List.of(new TrainCommand(), new CompareCommand())) {
            CommandLine cli = new CommandLine(command);
            for (String key : ConfigLoader.DEFAULTS.keySet()) {
                assertNotNull(cli.getCommandSpec().findOption("--" + key), cli.getCommandName() + " has no --" + key);
            }
        }
        assertEquals(List.copyOf(ConfigLoader.DEFAULTS.keySet()), List.copyOf(new TrainOptions().overrides().keySet()));
    }

    @Test
    void theAdamFlagsReachTheConfig() {
        TrainOptions options = new TrainOptions();
        new CommandLine(options).parseArgs("--model", "m", "--data", "d", "--tasks", "sst2",
                "--adam-beta1", "0.8", "--adam-beta2", "0.98", "--adam-eps", "1e-6");
        TrainConfig c = ConfigLoader.load(null, options.overrides());
        assertEquals(List.of(0.8, 0.98, 1e-6), List.of(c.adamBeta1(), c.adamBeta2(), c.adamEps()));
    }

    /** Help that states a default which the config does not use misleads worse than none. */
    @Test
    void everyFlagWithADefaultStatesTheOneTheConfigUses() {
        CommandLine cli = new CommandLine(new TrainOptions());
        java.util.regex.Pattern stated = java.util.regex.Pattern.compile("\\bdefault:? ([^ ;,):]+)");
        for (var e : ConfigLoader.DEFAULTS.entrySet()) {
            if (e.getValue() == null || e.getValue() instanceof java.util.Map) {
                continue;
            }
            String help = String.join(" ", cli.getCommandSpec().findOption("--" + e.getKey()).description());
            var m = stated.matcher(help);
            assertTrue(m.find(), "--" + e.getKey() + " does not state its default: " + help);
            String value = m.group(1).replaceAll("\\.$", "");
            if (e.getValue() instanceof Number n) {
                assertEquals(n.doubleValue(), Double.parseDouble(value), "--" + e.getKey() + ": " + help);
            } else {
                assertEquals(String.valueOf(e.getValue()), value, "--" + e.getKey() + ": " + help);
            }
        }
    }

    /**
     * --threads 0 leaves LibTorch's default, which on a 2-core machine is 1 thread (as 'mtl4j --version'
     * and the training log say), so the help must not promise one thread per core.
     */
    @Test
    void threadsHelpDoesNotPromiseOneThreadPerCore() {
        CliRunner r = CliRunner.run("train", "--help");
        assertEquals(0, r.exitCode(), r.err());
        String help = r.out().replaceAll("\\s+", " ");
        int at = help.indexOf("--threads=<threads>");
        assertTrue(at >= 0, help);
        String threads = help.substring(at, help.indexOf("--precision", at));
        assertTrue(!threads.contains("LibTorch's choice, one per core"), threads);
        assertTrue(threads.contains("'mtl4j --version'"), threads);
    }
}
