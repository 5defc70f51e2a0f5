package io.mtl4j.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command's --help renders cleanly and says in its first line, a sentence, what it does. */
class HelpTest {

    @TestFactory
    List<DynamicTest> everyCommandsHelp() {
        List<DynamicTest> tests = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), tests);
        return tests;
    }

    private static void collect(CommandLine command, List<String> path, List<DynamicTest> tests) {
        String name = path.isEmpty() ? "mtl4j" : "mtl4j " + String.join(" ", path);
        tests.add(DynamicTest.dynamicTest(name, () -> check(command, path, name)));
        command.getSubcommands().forEach((sub, cl) -> {
            if (!sub.equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(sub);
                collect(cl, next, tests);
            }
        });
    }

    private static void check(CommandLine command, List<String> path, String name) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        // picocli reports a bad format string (an unescaped %) on System.err, not the command's stream
        PrintStream systemErr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        CliRunner r;
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            r = CliRunner.run(args.toArray(String[]::new));
        } finally {
            System.setErr(systemErr);
        }
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Usage: " + name), r.out());
        String problems = warnings.toString(StandardCharsets.UTF_8) + r.err();
        assertFalse(problems.contains("WARN") || problems.contains("rror"), problems);

        String[] description = command.getCommandSpec().usageMessage().description();
        assertTrue(description.length > 0, name + " has no description");
        String summary = description[0];
        assertTrue(summary.endsWith(".") && summary.length() <= 100,
                name + ": the summary line (shown in the parent's command list) should be one sentence: " + summary);
        int width = Main.USAGE_HELP_WIDTH;
        for (String line : description) {
            // picocli wraps a longer line, leaving its last word alone on the next line
            assertTrue(line.length() <= width, name + ": description line longer than " + width + " characters: " + line);
        }
        command.getCommandSpec().options().forEach(o -> assertTrue(
                o.description().length > 0 && !o.description()[0].isBlank(), name + " " + o.longestName() + " has no description"));
    }
}
