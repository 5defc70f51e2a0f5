package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.testing.TinyGlue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MNLI's accuracy is the matched dev set's; the mismatched one is reported as mnli-mm, in train and eval. */
class MnliDevSplitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path run;
    static Path data;

    @BeforeAll
    static void trainMnliBesideSst2() throws Exception {
        data = TinyGlue.writeMnli(TinyGlue.write(dir.resolve("glue"), 64, 24, 9), 96, 40, 9);
        run = TinyRuns.train(dir, "run", data, "mnli,sst2", "--steps", "12", "--eval-every", "6");
    }

    @Test
    void evalJsonHasMatchedAsMnliAndMismatchedAsMnliMm() throws Exception {
        JsonNode eval = JSON.readTree(run.resolve("eval.json").toFile());
        assertEquals(List.of("mnli", "mnli-mm", "sst2"), TinyRuns.fieldNames(eval));
        long bestStep = JSON.readTree(run.resolve("best").resolve("mtl4j.json").toFile()).get("step").asLong();
        JsonNode matched = null;
        JsonNode mismatched = null;
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("split") && n.get("task").asText().equals("mnli") && n.get("step").asLong() == bestStep) {
                if (n.get("split").asText().equals("validation_matched")) {
                    matched = n;
                } else if (n.get("split").asText().equals("validation_mismatched")) {
                    mismatched = n;
                }
            }
        }
        assertTrue(matched != null && mismatched != null, "both MNLI dev sets evaluated at the best step " + bestStep);
        assertEquals(matched.get("accuracy").asDouble(), eval.get("mnli").get("accuracy").asDouble(), 1e-12);
        assertEquals(mismatched.get("accuracy").asDouble(), eval.get("mnli-mm").get("accuracy").asDouble(), 1e-12);
    }

    @Test
    void evalReportsTheSameKeysAndScoresAsTheRun() throws Exception {
        JsonNode saved = JSON.readTree(run.resolve("eval.json").toFile());
        CliRunner both = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "mnli", "--json", "--device", "cpu");
        assertEquals(0, both.exitCode(), both.err());
        JsonNode printed = JSON.readTree(both.out());
        assertEquals(List.of("mnli", "mnli-mm"), TinyRuns.fieldNames(printed));
        assertEquals(saved.get("mnli").get("accuracy").asDouble(), printed.get("mnli").get("accuracy").asDouble(), 1e-9);
        assertEquals(saved.get("mnli-mm").get("accuracy").asDouble(), printed.get("mnli-mm").get("accuracy").asDouble(), 1e-9);

        CliRunner validation = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "mnli", "--split", "validation", "--json", "--device", "cpu");
        assertEquals(0, validation.exitCode(), validation.err());
        JsonNode matchedOnly = JSON.readTree(validation.out());
        assertEquals(List.of("mnli"), TinyRuns.fieldNames(matchedOnly), "for MNLI, validation means matched");
        assertEquals(saved.get("mnli").get("accuracy").asDouble(), matchedOnly.get("mnli").get("accuracy").asDouble(), 1e-9);

        CliRunner mm = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "mnli", "--split", "validation_mismatched", "--json", "--device", "cpu");
        assertEquals(0, mm.exitCode(), mm.err());
        assertEquals(List.of("mnli-mm"), TinyRuns.fieldNames(JSON.readTree(mm.out())));
        assertTrue(JSON.readTree(mm.out()).get("mnli-mm").has("accuracy"));
    }

    @Test
    void anOptionalDevSplitMayBeAbsentButNotBroken() throws Exception {
        Path absent = TinyGlue.writeMnli(dir.resolve("glue-matched-only"), 96, 40, 9);
        Files.delete(absent.resolve("mnli/validation_mismatched.jsonl"));
        CliRunner matchedOnly = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", absent.toString(),
                "--tasks", "mnli", "--json", "--device", "cpu");
        assertEquals(0, matchedOnly.exitCode(), matchedOnly.err());
        assertEquals(List.of("mnli"), TinyRuns.fieldNames(JSON.readTree(matchedOnly.out())));

        Path broken = TinyGlue.writeMnli(dir.resolve("glue-broken-mm"), 96, 40, 9);
        Path mm = broken.resolve("mnli/validation_mismatched.jsonl");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(mm));
        lines.set(2, "{\"premise\": \"a dog\"");
        Files.write(mm, lines);
        CliRunner r = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", broken.toString(),
                "--tasks", "mnli", "--json", "--device", "cpu");
        assertEquals(2, r.exitCode(), "a bad row is an error, not a missing split: " + r.err());
        assertTrue(r.err().startsWith("mtl4j: error: " + mm + ":3: "), r.err());
    }

    private static final List<String> TEST_PAIRS = List.of(
            "{\"premise\": \"the dog and a film eat\", \"hypothesis\": \"a dog eats\", \"label\": -1, \"idx\": 0}",
            "{\"premise\": \"the cat and a plot play\", \"hypothesis\": \"it plays\", \"label\": -1, \"idx\": 1}",
            "{\"premise\": \"the man and a story sleep\", \"hypothesis\": \"a woman sleeps\", \"label\": -1, \"idx\": 2}");

    @Test
    void glueSubmissionWritesBothMnliTestSetsAndAxWithLabelNames() throws Exception {
        Path glue = withMnliTestSets(dir.resolve("glue-with-ax"));
        Files.createDirectories(glue.resolve("ax"));
        Files.write(glue.resolve("ax/test.jsonl"), List.of(TEST_PAIRS.get(2), TEST_PAIRS.get(0)));
        Path out = dir.resolve("submission");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "mnli",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        for (String name : List.of("MNLI-m.tsv", "MNLI-mm.tsv", "AX.tsv")) {
            List<String> lines = Files.readAllLines(out.resolve(name));
            assertEquals(name.equals("AX.tsv") ? 3 : 4, lines.size(), name + ": " + lines);
            assertEquals("index\tprediction", lines.get(0));
            List<Integer> idx = name.equals("AX.tsv") ? List.of(2, 0) : List.of(0, 1, 2); // each row's own idx
            for (int i = 1; i < lines.size(); i++) {
                assertTrue(lines.get(i).matches(idx.get(i - 1) + "\t(entailment|neutral|contradiction)"), name + ": " + lines.get(i));
            }
        }
        List<String> matched = labels(out.resolve("MNLI-m.tsv"));
        assertEquals(List.of(matched.get(2), matched.get(0)), labels(out.resolve("AX.tsv")),
                "AX's rows are two of the MNLI test pairs, predicted by the same MNLI head");
    }

    @Test
    void glueSubmissionWithoutDataReadsTheDataTheCheckpointWasTrainedOn() {
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "mnli",
                "--glue-submission", dir.resolve("from-training-data").toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: no file for task mnli split test_matched; looked for: " + data.toAbsolutePath()),
                "the training data, which has no test split: " + r.err());
    }

    @Test
    void glueSubmissionWithoutAxWritesMnliAndWarns() throws Exception {
        Path glue = withMnliTestSets(dir.resolve("glue-without-ax"));
        Path out = dir.resolve("submission-without-ax");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "mnli",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(out.resolve("MNLI-m.tsv")) && Files.exists(out.resolve("MNLI-mm.tsv")));
        assertTrue(!Files.exists(out.resolve("AX.tsv")));
        assertTrue(r.err().contains("AX.tsv not written") && r.err().contains(glue.resolve("ax/test.jsonl").toString()), r.err());

        // An AX.tsv of an earlier prediction would go to the leaderboard beside MNLI files of another model.
        // (Into a directory without MNLI's files: those this run writes are never overwritten.)
        out = dir.resolve("submission-with-stale-ax");
        Files.createDirectories(out);
        Files.writeString(out.resolve("AX.tsv"), "index\tprediction\n0\tneutral\n");
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "mnli",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: " + out.resolve("AX.tsv") + " is left from an earlier prediction, not this"
                + " checkpoint's"), r.err());
    }

    @Test
    void glueSubmissionWithoutTaskCoversEveryHeadOrWritesNothing() throws Exception {
        Path glue = withMnliTestSets(dir.resolve("glue-all-heads"));
        Files.createDirectories(glue.resolve("ax"));
        Files.write(glue.resolve("ax/test.jsonl"), TEST_PAIRS.subList(0, 1));
        Path out = dir.resolve("submission-all-heads");
        String[] args = {"predict", "--checkpoint", run.resolve("best").toString(), "--data", glue.toString(),
                "--glue-submission", out.toString(), "--device", "cpu"};

        PrintStream systemErr = System.err;
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        CliRunner noSst2Test;
        try {
            System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8)); // where progress bars draw
            noSst2Test = CliRunner.run(args);
        } finally {
            System.setErr(systemErr);
        }
        assertEquals(2, noSst2Test.exitCode(), noSst2Test.err());
        assertTrue(noSst2Test.err().contains("no file for task sst2 split test"), noSst2Test.err());
        assertTrue(!Files.exists(out), "MNLI's files are not written while SST-2's test set is missing");
        assertTrue(!progress.toString(StandardCharsets.UTF_8).contains("predict"),
                "nothing is predicted before every test set is found: " + progress.toString(StandardCharsets.UTF_8));

        Files.createDirectories(glue.resolve("sst2"));
        Files.write(glue.resolve("sst2/test.jsonl"), List.of("{\"sentence\": \"a great film\", \"label\": -1, \"idx\": 0}"));
        CliRunner r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        try (var written = Files.list(out)) {
            assertEquals(List.of("AX.tsv", "MNLI-m.tsv", "MNLI-mm.tsv", "SST-2.tsv"),
                    written.map(f -> f.getFileName().toString()).sorted().toList());
        }
        List<String> sst2 = Files.readAllLines(out.resolve("SST-2.tsv"));
        assertTrue(sst2.size() == 2 && sst2.get(0).equals("index\tprediction") && sst2.get(1).matches("0\t[01]"), sst2.toString());
    }

    /** A data directory holding MNLI's two test sets, each of the three {@link #TEST_PAIRS}. */
    private static Path withMnliTestSets(Path glue) throws Exception {
        Files.createDirectories(glue.resolve("mnli"));
        for (String split : List.of("test_matched", "test_mismatched")) {
            Files.write(glue.resolve("mnli/" + split + ".jsonl"), TEST_PAIRS);
        }
        return glue;
    }

    private static List<String> labels(Path tsv) throws Exception {
        return Files.readAllLines(tsv).stream().skip(1).map(l -> l.split("\t")[1]).toList();
    }

    @Test
    void aGlueSubmissionMissingATestSetWritesNothing() throws Exception {
        Path glue = dir.resolve("glue-matched-only");
        Files.createDirectories(glue.resolve("mnli"));
        Files.write(glue.resolve("mnli/test_matched.jsonl"), List.of(
                "{\"premise\": \"the dog and a film eat\", \"hypothesis\": \"a dog eats\", \"label\": -1, \"idx\": 0}"));
        Path out = dir.resolve("partial-submission");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "mnli",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: ") && r.err().contains("test_mismatched"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(!Files.exists(out), "nothing written, not even the directory");

        Path file = Files.writeString(dir.resolve("submission.txt"), "");
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "mnli",
                "--data", glue.toString(), "--glue-submission", file.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --glue-submission " + file + " is a file, not a directory", r.err().strip());
    }
}
