package io.mtl4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A mistyped command line gets one line saying what is wrong, not the whole help. */
class UsageErrorTest {
    private static void assertOneLine(String expected, String... args) {
        CliRunner r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertEquals(expected + "\n", r.err().replace("\r\n", "\n"));
    }

    @Test
    void unknownOptionsBadValuesAndRepeatsAreOneLine() {
        assertOneLine("mtl4j: error: Unknown option: '--no-such-flag'. Run 'mtl4j train --help' for usage.",
                "train", "--no-such-flag");
        assertOneLine("mtl4j: error: Unknown option: '--batchsize'; did you mean --batch-size? Run 'mtl4j eval --help' for usage.",
                "eval", "--checkpoint", "c", "--batchsize");
        assertOneLine("mtl4j: error: Invalid value for option '--steps': 'ten' is not a long. Run 'mtl4j train --help' for usage.",
                "train", "--steps", "ten");
        assertOneLine("mtl4j: error: option '--lr' (<lr>) should be specified only once. Run 'mtl4j train --help' for usage.",
                "train", "--lr", "1e-4", "--lr", "2e-4");
        assertOneLine("mtl4j: error: Missing required option: '--checkpoint=DIR|HUB_ID'. Run 'mtl4j predict --help' for usage.",
                "predict", "--input", "-");
        assertOneLine("mtl4j: error: Missing required options: '--input=G.safetensors', '--output=O.safetensors'. "
                + "Run 'mtl4j pcgrad apply --help' for usage.", "pcgrad", "apply");
    }

    @Test
    void aMisspeltRequiredOptionIsNamedNotOnlyReportedMissing() {
        // train takes --tasks; export and data stats take --task: the slip a user makes.
        assertOneLine("mtl4j: error: Unknown options: '--tasks', 'sst2'; did you mean --task? Run 'mtl4j export --help' for usage.",
                "export", "--checkpoint", "c", "--tasks", "sst2", "--output", "o");
        assertOneLine("mtl4j: error: Unknown options: '--tasks', 'sst2'; did you mean --task? Run 'mtl4j data stats --help' for usage.",
                "data", "stats", "--tasks", "sst2", "--data", "d", "--model", "m");
        assertOneLine("mtl4j: error: Unknown options: '--tsk', 'sst2'. Run 'mtl4j export --help' for usage.",
                "export", "--checkpoint", "c", "--tsk", "sst2", "--output", "o");
    }

    @Test
    void aBadValueOfAnOnOffOptionNamesTheOption() {
        assertOneLine("mtl4j: error: --dropout takes true or false, got 'maybe'. Run 'mtl4j train --help' for usage.",
                "train", "--dropout", "maybe", "--output", "o");
        assertOneLine("mtl4j: error: --memory-warmup takes true or false, got 'off'. Run 'mtl4j compare --help' for usage.",
                "compare", "--memory-warmup", "off");
        // the same word given earlier as another option's value
        assertOneLine("mtl4j: error: --dropout takes true or false, got 'off'. Run 'mtl4j train --help' for usage.",
                "train", "--output", "off", "--dropout", "off");
        // --json takes no value at all: the word after it is just not an argument of eval
        assertOneLine("mtl4j: error: unexpected argument 'yes' after --json: --json takes no value. Run 'mtl4j eval --help' for usage.",
                "eval", "--checkpoint", "c", "--json", "yes");
    }

    @Test
    void benchEvalThreadsOutOfRangeAreAnError() {
        assertOneLine("mtl4j: error: --threads must be 0 (LibTorch's default) to 4096, got -1",
                "bench", "eval", "--model", "m", "--data", "d", "--threads", "-1");
    }

    @Test
    void evalTasksThatNameNoTaskAreAnError() {
        assertOneLine("mtl4j: error: --tasks ',' names no task; give --tasks t1,t2, or leave it out to score every head"
                + " of the checkpoint", "eval", "--checkpoint", "c", "--tasks", ",");
    }

    @Test
    void benchTrainTakesOneTaskOptionNotTwo() {
        assertOneLine("mtl4j: error: give --task T or --tasks T1,T2, not both",
                "bench", "train", "--model", "m", "--data", "d", "--task", "sst2", "--tasks", "sst2,qqp");
    }

    @Test
    void predictTakesOneKindOfOutput() {
        assertOneLine("mtl4j: error: give --input FILE|- or --glue-submission DIR, not both",
                "predict", "--checkpoint", "c", "--task", "sst2", "--input", "-", "--glue-submission", "out");
        assertOneLine("mtl4j: error: give --input FILE|- (one task's predictions) or --glue-submission DIR (test-split TSVs)",
                "predict", "--checkpoint", "c", "--task", "sst2");
    }

    @Test
    void aMisspeltCommandSuggestsTheRightOne() {
        assertOneLine("mtl4j: error: unknown command 'trian'; did you mean train? Run 'mtl4j --help' for usage.",
                "trian");
        assertOneLine("mtl4j: error: unknown command 'stat'; did you mean stats? Run 'mtl4j data --help' for usage.",
                "data", "stat");
    }

    @Test
    void aStrayWordSaysWhichOptionItFollowsAndHowToWriteAList() {
        assertOneLine("mtl4j: error: unexpected argument 'mnli' after --tasks sst2: a list is one word with commas,"
                + " --tasks sst2,mnli,qqp. Run 'mtl4j train --help' for usage.", "train", "--tasks", "sst2", "mnli", "qqp");
        assertOneLine("mtl4j: error: unexpected argument 'qqp' after --tasks sst2: a list is one word with commas,"
                + " --tasks sst2,qqp. Run 'mtl4j eval --help' for usage.", "eval", "--checkpoint", "c", "--tasks=sst2", "qqp");
        assertOneLine("mtl4j: error: unexpected argument '4' after --steps 3: --steps takes one value."
                + " Run 'mtl4j train --help' for usage.", "train", "--steps", "3", "4");
        assertOneLine("mtl4j: error: unexpected argument 'nope'. Run 'mtl4j train --help' for usage.", "train", "nope");
    }

    @Test
    void anUnknownCommandFarFromAnyListsThemInsteadOfGuessing() {
        CliRunner r = CliRunner.run("nosuch");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("mtl4j: error: unknown command 'nosuch' (commands: train, launch, compare, eval,"), r.err());
        assertFalse(r.err().contains("did you mean"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aCommandThatOnlyGroupsOthersNeedsOne() {
        for (String[] args : new String[][] {{}, {"data"}, {"pcgrad"}}) {
            CliRunner r = CliRunner.run(args);
            assertEquals(2, r.exitCode(), String.join(" ", args));
            assertEquals("", r.out());
            assertTrue(r.err().startsWith("Usage: mtl4j"), r.err());
            assertTrue(r.err().contains("Commands:"), r.err());
        }
        assertEquals(0, CliRunner.run("--help").exitCode());
        assertEquals(0, CliRunner.run("data", "--help").exitCode());
    }

    @Test
    void everySubcommandPrintsTheVersion() {
        for (String[] args : new String[][] {{"train", "--version"}, {"bench", "train", "-V"}}) {
            CliRunner r = CliRunner.run(args);
            assertEquals(0, r.exitCode(), String.join(" ", args));
            assertTrue(r.out().startsWith("mtl4j "), r.out());
            assertTrue(r.out().lines().findFirst().orElseThrow().contains(" (git "), "the commit, for bug reports: " + r.out());
            assertTrue(r.out().contains("libtorch "), r.out());
        }
    }

    @Test
    void outputThatCannotBeWrittenIsAnErrorNotSuccessUnlessTheReaderClosedThePipe() {
        java.io.StringWriter err = new java.io.StringWriter();
        int code = Main.run(StdoutWriter.over(failing("No space left on device")), new java.io.PrintWriter(err, true), "--help");
        assertEquals(1, code);
        assertEquals("mtl4j: error: cannot write to standard output: No space left on device", err.toString().strip());
        java.io.StringWriter quiet = new java.io.StringWriter();
        assertEquals(141, Main.run(StdoutWriter.over(failing("Broken pipe")), new java.io.PrintWriter(quiet, true), "--help"));
        assertEquals("", quiet.toString(), "| head closing the pipe is no error");
        java.io.StringWriter other = new java.io.StringWriter();
        assertEquals(1, Main.run(new java.io.PrintWriter(failing("No space left on device"), true), new java.io.PrintWriter(other, true), "--help"));
        assertEquals("mtl4j: error: cannot write to standard output", other.toString().strip());
    }

    private static java.io.OutputStream failing(String reason) {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException(reason);
            }
        };
    }
}
