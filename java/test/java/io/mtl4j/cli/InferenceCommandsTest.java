package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.eval.Evaluator;
import io.mtl4j.eval.LoadedCheckpoint;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.InputBatch;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.LogCapture;
import io.mtl4j.testing.TestFiles;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.Encoding;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.SafeTensorsWriter;

import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval, predict and export on a small trained run. */
class InferenceCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path run;
    static Path data;

    @BeforeAll
    static void trainSmallRun() throws Exception {
        data = TinyGlue.write(dir.resolve("glue"), 64, 24, 9);
        run = TinyRuns.train(dir, "run", data, "sst2,qqp", "--steps", "40", "--eval-every", "20");
    }

    @Test
    void evalPrintsEvalJsonShapeMatchingTheRunsOwnScores() throws Exception {
        CliRunner r = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "sst2,qqp", "--json", "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode printed = JSON.readTree(r.out());
        JsonNode saved = JSON.readTree(run.resolve("eval.json").toFile());
        assertEquals(saved.get("sst2").get("accuracy").asDouble(), printed.get("sst2").get("accuracy").asDouble(), 1e-9);
        assertEquals(saved.get("qqp").get("f1").asDouble(), printed.get("qqp").get("f1").asDouble(), 1e-9);

        CliRunner train = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "sst2", "--split", "train", "--json", "--device", "cpu", "--cache-dir", dir.resolve("eval-cache").toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(JSON.readTree(train.out()).get("sst2").has("accuracy"));
        try (var cached = Files.list(dir.resolve("eval-cache/sst2"))) {
            assertTrue(cached.anyMatch(p -> p.getFileName().toString().startsWith("train.")), "--cache-dir holds the tokenized split");
        }
    }

    @Test
    void predictPrintsLabelsAndProbabilities() throws Exception {
        List<String> lines = TinyRuns.predict(dir, run.resolve("best"), "sst2", "a great film\nthe plot was boring\n");
        assertEquals(2, lines.size());
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            double sum = n.get("probs").get(0).asDouble() + n.get("probs").get(1).asDouble();
            assertEquals(1.0, sum, 1e-6);
            assertEquals(n.get("label").asText(), List.of("negative", "positive").get(n.get("label_id").asInt()));
        }
    }

    @Test
    void exportedModelReloadsAndGivesTheSameLogits() throws Exception {
        Path out = dir.resolve("export-sst2");
        CliRunner r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("BertForSequenceClassification", config.get("architectures").get(0).asText());
        assertEquals("positive", config.get("id2label").get("1").asText());
        assertEquals(0, config.get("label2id").get("negative").asInt());
        assertTrue(Files.exists(out.resolve("tokenizer.json")));
        // what transformers' AutoTokenizer needs to tokenize as tokenizer.json does (it defaults to lowercasing)
        JsonNode tokenizerConfig = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals("BertTokenizer", tokenizerConfig.get("tokenizer_class").asText());
        assertTrue(tokenizerConfig.get("do_lower_case").asBoolean(), "the tiny tokenizer's BertNormalizer lowercases");
        assertTrue(tokenizerConfig.get("strip_accents").isNull());
        assertEquals(config.get("max_position_embeddings").asInt(), tokenizerConfig.get("model_max_length").asInt());
        assertEquals("[PAD]", tokenizerConfig.get("pad_token").asText());
        assertEquals("[CLS]", tokenizerConfig.get("cls_token").asText());

        // Reload as Hugging Face would: bert.* is the encoder, classifier.* the head on the pooler.
        CheckpointLoader.Loaded exported = CheckpointLoader.load(out, Set.of("classifier."));
        assertTrue(exported.report().ignored().isEmpty(), "nothing to ignore in " + exported.report());
        LoadedCheckpoint original = LoadedCheckpoint.load(run.resolve("best"), Devices.resolve("cpu"));
        try (BertTokenizer tok = BertTokenizer.load(out, 64); PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            List<Encoding> enc = List.of(tok.encode("a great film", null), tok.encode("the plot was very boring", null));
            InputBatch in = InputBatch.of(enc, 0, null);
            Tensor pooled = exported.model().forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), false).pooled();
            Tensor logits = torch.linear(pooled, exported.extras().get("classifier.weight"),
                    new TensorOptional(exported.extras().get("classifier.bias")));
            Tensor expected = original.model().forward("sst2", in, false);
            assertArrayEquals(Tensors.toFloatArray(expected), Tensors.toFloatArray(logits), 1e-6f);
        }
    }

    @Test
    void glueSubmissionWritesTheLeaderboardFormat() throws Exception {
        Files.write(data.resolve("sst2/test.jsonl"), List.of(
                "{\"sentence\": \"a great film\", \"label\": -1, \"idx\": 0}",
                "{\"sentence\": \"boring plot\", \"label\": -1, \"idx\": 1}"));
        Path out = dir.resolve("submission");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--data", data.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = Files.readAllLines(out.resolve("SST-2.tsv"));
        assertEquals("index\tprediction", lines.get(0));
        assertEquals(3, lines.size());
        assertTrue(lines.get(1).matches("0\t[01]") && lines.get(2).matches("1\t[01]"), lines.toString());
    }

    /** A data directory holding only test splits: sst2's, and qqp's. */
    private static Path testSplits(String name, List<String> sst2) throws Exception {
        Path glue = dir.resolve(name);
        Files.createDirectories(glue.resolve("sst2"));
        Files.createDirectories(glue.resolve("qqp"));
        Files.write(glue.resolve("sst2/test.jsonl"), sst2);
        Files.write(glue.resolve("qqp/test.jsonl"), List.of(
                "{\"question1\": \"is it good\", \"question2\": \"is it great\", \"label\": -1, \"idx\": 0}"));
        return glue;
    }

    @Test
    void glueSubmissionNeverOverwritesAFileItWouldWriteButAddsOtherTasksFiles() throws Exception {
        Path glue = testSplits("glue-no-overwrite", List.of("{\"sentence\": \"a great film\", \"label\": -1, \"idx\": 0}"));
        Path out = dir.resolve("submission-no-overwrite");
        String[] sst2 = {"predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu"};
        assertEquals(0, CliRunner.run(sst2).exitCode());
        Files.writeString(out.resolve("SST-2.tsv"), "index\tprediction\n0\t1\n"); // saved work, e.g. another model's
        java.io.PrintStream systemErr = System.err;
        java.io.ByteArrayOutputStream progress = new java.io.ByteArrayOutputStream();
        CliRunner again;
        try {
            System.setErr(new java.io.PrintStream(progress, true, java.nio.charset.StandardCharsets.UTF_8));
            again = CliRunner.run(sst2);
        } finally {
            System.setErr(systemErr);
        }
        assertEquals(2, again.exitCode(), again.err());
        assertEquals(1, again.err().strip().lines().count(), again.err());
        assertTrue(again.err().startsWith("mtl4j: error: " + out.resolve("SST-2.tsv") + " already exists")
                && again.err().contains("nothing was overwritten"), again.err());
        assertEquals("index\tprediction\n0\t1\n", Files.readString(out.resolve("SST-2.tsv")));
        assertFalse(progress.toString(java.nio.charset.StandardCharsets.UTF_8).contains("predict"), "refused before predicting");

        // Another task's file into the same directory is how a submission is assembled from several runs.
        CliRunner qqp = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "qqp",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(0, qqp.exitCode(), qqp.err());
        assertEquals(2, Files.readAllLines(out.resolve("QQP.tsv")).size());
        assertEquals("index\tprediction\n0\t1\n", Files.readString(out.resolve("SST-2.tsv")));
    }

    @Test
    void glueSubmissionIndexIsEachRowsOwnIdxNotItsPosition() throws Exception {
        List<String> sentences = List.of("a great film", "the plot was boring", "fun and great", "dull");
        List<Integer> idx = List.of(7, 3, 0, 12);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            rows.add("{\"sentence\": \"" + sentences.get(i) + "\", \"label\": -1, \"idx\": " + idx.get(i) + "}");
        }
        Path glue = testSplits("glue-idx", rows);
        List<String> expected = new ArrayList<>();
        List<String> predicted = TinyRuns.predict(dir, run.resolve("best"), "sst2", String.join("\n", sentences) + "\n");
        for (int i = 0; i < sentences.size(); i++) {
            expected.add(idx.get(i) + "\t" + JSON.readTree(predicted.get(i)).get("label_id").asInt());
        }
        Path out = dir.resolve("submission-idx");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(expected, Files.readAllLines(out.resolve("SST-2.tsv")).subList(1, 5));

        // The original GLUE TSVs: an 'index' column.
        Path tsv = dir.resolve("glue-tsv-index");
        Files.createDirectories(tsv.resolve("SST-2"));
        List<String> lines = new ArrayList<>(List.of("index\tsentence"));
        for (int i = 0; i < sentences.size(); i++) {
            lines.add(idx.get(i) + "\t" + sentences.get(i));
        }
        Files.write(tsv.resolve("SST-2/test.tsv"), lines);
        Path outTsv = dir.resolve("submission-tsv-index");
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--data", tsv.toString(), "--glue-submission", outTsv.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(expected, Files.readAllLines(outTsv.resolve("SST-2.tsv")).subList(1, 5));
    }

    @Test
    void glueSubmissionRefusesATestFileWhereOnlySomeRowsHaveAnIdx() throws Exception {
        Path glue = testSplits("glue-some-idx", List.of("{\"sentence\": \"a great film\", \"label\": -1, \"idx\": 4}",
                "{\"sentence\": \"dull\", \"label\": -1}"));
        Path out = dir.resolve("submission-some-idx");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--data", glue.toString(), "--glue-submission", out.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: sst2 test split: 1 of 2 rows have no idx/index"), r.err());
        assertFalse(Files.exists(out.resolve("SST-2.tsv")));
    }

    @Test
    void predictFromStdinPrintsBeforeStdinCloses() throws Exception {
        List<String> sentences = List.of("a great film", "the plot was boring", "fun", "so dull and boring");
        List<String> fromFile = TinyRuns.predict(dir, run.resolve("best"), "sst2", String.join("\n", sentences) + "\n");
        java.io.PipedOutputStream feed = new java.io.PipedOutputStream();
        java.io.PipedInputStream stdin = new java.io.PipedInputStream(feed, 1 << 16);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.io.InputStream systemIn = System.in;
        int[] code = {-1};
        Thread predict;
        System.setIn(stdin);
        try {
            predict = new Thread(() -> code[0] = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                    "predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2", "--input", "-", "--device", "cpu"));
            predict.start();
            feed.write((sentences.get(0) + "\n" + sentences.get(1) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            feed.flush();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (out.toString().lines().count() < 2 && System.nanoTime() < deadline && predict.isAlive()) {
                Thread.sleep(50);
            }
            assertEquals(2, out.toString().lines().count(), "the first lines' predictions, while stdin is still open: " + err);
            feed.write((sentences.get(2) + "\n" + sentences.get(3) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            feed.close();
            predict.join(60_000);
        } finally {
            feed.close();
            System.setIn(systemIn);
        }
        assertEquals(0, code[0], err.toString());
        List<String> streamed = out.toString().lines().toList();
        assertEquals(4, streamed.size(), streamed.toString());
        for (int i = 0; i < 4; i++) {
            JsonNode a = JSON.readTree(streamed.get(i));
            JsonNode b = JSON.readTree(fromFile.get(i));
            assertEquals(b.get("label_id").asInt(), a.get("label_id").asInt());
            assertEquals(b.get("probs").get(0).asDouble(), a.get("probs").get(0).asDouble(), 1e-5);
        }
    }

    @Test
    void aBadInputLineStopsPredictAfterPrintingTheLinesBeforeIt() throws Exception {
        Path in = dir.resolve("bad-third-line.txt");
        Files.writeString(in, "a great film\nthe plot was boring\na pair\tfor a single-sentence head\nfun\n");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--input", in.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: " + in + ":3: sst2 takes one sentence"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals(2, r.out().lines().count(), "lines 1 and 2 are predicted: " + r.out());
    }

    @Test
    void evalDefaultsToTheTrainingDataAndPredictAsksWhichHead() throws Exception {
        CliRunner r = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--json", "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode saved = JSON.readTree(run.resolve("eval.json").toFile());
        assertEquals(saved.get("qqp").get("f1").asDouble(), JSON.readTree(r.out()).get("qqp").get("f1").asDouble(), 1e-9);

        CliRunner p = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--input", "-");
        assertEquals(2, p.exitCode());
        assertEquals("mtl4j: error: give --task: the checkpoint has heads for sst2, qqp", p.err().strip());
    }

    @Test
    void aRunDirectoryGivenAsCheckpointPointsToItsCheckpoints() {
        CliRunner r = CliRunner.run("eval", "--checkpoint", run.toString(), "--data", data.toString(), "--tasks", "sst2");
        assertEquals(2, r.exitCode());
        assertEquals("mtl4j: error: " + run + ": a run directory, not a checkpoint; use " + run.resolve("best")
                + " (or last, step-N, best-<task>)", r.err().strip());
    }

    @Test
    void badCheckpointAndTaskAreOneLineErrors() {
        CliRunner r = CliRunner.run("eval", "--checkpoint", dir.resolve("nope").toString(), "--data", data.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("does not exist"), r.err());
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "mnli", "--input", "-");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("no head for task mnli"), r.err());
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst", "--input", "-");
        assertEquals("mtl4j: error: " + run.resolve("best") + ": checkpoint has no head for task sst (it has sst2, qqp);"
                + " did you mean sst2?", r.err().strip());
        r = CliRunner.run("train", "--model", "x", "--data", data.toString(), "--tasks", "sst2", "--lr", "7",
                "--output", dir.resolve("bad").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--lr is 7.0; must be in"), r.err());
        r = CliRunner.run("train", "--model", dir.resolve("model").toString(), "--data", data.toString(), "--tasks", "nosuch",
                "--output", dir.resolve("bad2").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown task 'nosuch' (known: cola"), r.err());
    }

    @Test
    void aBatchSizeBelowOneIsRefusedBeforeAnythingLoads() throws Exception {
        Path input = Files.writeString(dir.resolve("batch-size.txt"), "a great film\n");
        CliRunner e = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--batch-size", "0", "--device", "cpu");
        assertEquals(2, e.exitCode(), e.err());
        assertEquals("mtl4j: error: --batch-size is 0; must be at least 1", e.err().strip());
        CliRunner p = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--input", input.toString(), "--batch-size", "-5", "--device", "cpu");
        assertEquals(2, p.exitCode(), p.err());
        assertEquals("mtl4j: error: --batch-size is -5; must be at least 1", p.err().strip());
    }

    @Test
    void exportWritesOnlyIntoANewOrEmptyDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine\n");
        CliRunner r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--output", file.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --output " + file + " is a file, not a directory; nothing was overwritten", r.err().strip());
        assertEquals("mine\n", Files.readString(file));

        Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("config.json"), "{}");
        r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "sst2", "--output", used.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: --output " + used + " is not empty; nothing was overwritten", r.err().strip());
        assertEquals("{}", Files.readString(used.resolve("config.json")));
        assertEquals(List.of(used.resolve("config.json")), Files.list(used).toList());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "sst2", "--output", empty.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(empty.resolve("model.safetensors")));
    }

    /** An --output or --glue-submission under a file is the user's mistake, said so, not an internal error. */
    @Test
    void anOutputDirectoryUnderAFileIsAOneLineError() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file.txt"), "mine\n");
        Path under = file.resolve("out");
        CliRunner r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--output", under.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: cannot write " + under + ": " + file + " is not a directory", r.err().strip());

        Files.write(data.resolve("sst2/test.jsonl"), List.of("{\"sentence\": \"a great film\", \"label\": -1, \"idx\": 0}"));
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--data", data.toString(), "--glue-submission", under.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: cannot write " + under + ": " + file + " is not a directory", r.err().strip());
        assertEquals("mine\n", Files.readString(file));
    }

    @Test
    void predictInputMustHaveTheTasksShape() throws Exception {
        Path pairsForSst2 = Files.writeString(dir.resolve("pairs.tsv"), "a great film\nboring\tnot good\n");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--input", pairsForSst2.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: " + pairsForSst2 + ":2: sst2 takes one sentence, text_a; this line also has text_b (after a tab)",
                r.err().strip());
        assertEquals(1, r.out().lines().count(), "line 1, before the bad line, is predicted: " + r.out());

        Path singleForQqp = Files.writeString(dir.resolve("single.jsonl"),
                "{\"text_a\": \"is a dog a cat\", \"text_b\": \"is a cat a dog\"}\n{\"text_a\": \"is a dog a cat\"}\n");
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "qqp",
                "--input", singleForQqp.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: " + singleForQqp + ":2: qqp takes a sentence pair, text_a and text_b (or question1 and"
                + " question2); this line has only one of them", r.err().strip());
        Path onlyQuestion1 = Files.writeString(dir.resolve("question1.jsonl"), "{\"question1\": \"is a dog a cat\"}\n");
        r = CliRunner.run("predict", "--checkpoint", run.resolve("best").toString(), "--task", "qqp",
                "--input", onlyQuestion1.toString(), "--device", "cpu");
        assertTrue(r.err().contains("(or question1 and question2); this line has only one of them"), "the task's own field"
                + " names, which this line used, are named: " + r.err());

        assertEquals(1, TinyRuns.predict(dir, run.resolve("best"), "qqp", "is a dog a cat\tis a cat a dog\n").size());
    }

    /** A head with NaN weights: eval scores NaN (not argmax's class 0), predict refuses to print NaN. */
    @Test
    void nonFiniteOutputsScoreNaNAndStopPredict() throws Exception {
        Path broken = TestFiles.copyTree(run.resolve("best"), dir.resolve("broken"));
        Path weights = broken.resolve("model.safetensors");
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        try (SafeTensorsFile file = SafeTensorsFile.open(run.resolve("best/model.safetensors"))) {
            for (var t : file.tensors().entrySet()) {
                ByteBuffer data = ByteBuffer.allocate((int) t.getValue().byteLength()).order(ByteOrder.LITTLE_ENDIAN);
                data.put(file.map(t.getValue())).flip();
                // Finite weights (a NaN one is refused at load) that overflow: the huge pooler bias makes every
                // pooler output exactly tanh(3e38) = 1, so sst2's logits sum 3e38 per element to infinity, and
                // qqp's head, reading the same ones, stays finite.
                if (t.getKey().equals("pooler.dense.bias") || t.getKey().equals("heads.sst2.weight")) {
                    for (int i = 0; i < data.limit(); i += Float.BYTES) {
                        data.putFloat(i, 3.0e38f);
                    }
                }
                entries.add(new SafeTensorsWriter.Entry(t.getKey(), t.getValue().dtype(), t.getValue().shape(), data));
            }
            SafeTensorsWriter.write(weights, entries, file.metadata());
        }

        StringWriter log = new StringWriter();
        CliRunner eval;
        try (AutoCloseable capture = LogCapture.into(log)) {
            eval = CliRunner.run("eval", "--checkpoint", broken.toString(), "--data", data.toString(),
                    "--tasks", "sst2,qqp", "--json", "--device", "cpu");
        }
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode scores = JSON.readTree(eval.out());
        assertTrue(Double.isNaN(scores.get("sst2").get("accuracy").asDouble()), scores.toString());
        assertFalse(Double.isNaN(scores.get("qqp").get("f1").asDouble()), "the other head is unharmed: " + scores);
        assertTrue(log.toString().contains("sst2: the model's outputs are NaN or infinite for 24 of 24 examples"),
                log.toString());

        Path input = Files.writeString(dir.resolve("nan-input.tsv"), "a great film\nboring\n");
        CliRunner predict = CliRunner.run("predict", "--checkpoint", broken.toString(), "--task", "sst2",
                "--input", input.toString(), "--device", "cpu");
        assertEquals(2, predict.exitCode(), predict.err());
        assertEquals("mtl4j: error: " + input + ":1: the sst2 head's output is NaN or infinite here (2 of 2 inputs); "
                + "the checkpoint's weights are likely broken", predict.err().strip());
        assertEquals("", predict.out());
    }

    /** A reader that closed the pipe ({@code predict | head -1}) stops predict and encode, not just their output. */
    @Test
    void aClosedOutputPipeStopsPredictAndEncodeAtTheNextChunk() throws Exception {
        Path many = Files.writeString(dir.resolve("many.tsv"), "a fine film\n".repeat(5000)); // 5 chunks of 1024
        for (String[] args : new String[][]{
                {"predict", "--checkpoint", run.resolve("best").toString(), "--task", "sst2", "--input", many.toString(),
                        "--device", "cpu"},
                {"encode", "--model", run.resolve("best").toString(), "--input", many.toString(), "--output", "-",
                        "--device", "cpu"}}) {
            int whole = countingWrites(args, null);
            java.io.StringWriter err = new java.io.StringWriter();
            int[] code = new int[1];
            int attempted = countingWrites(args, c -> code[0] = c);
            assertEquals(141, code[0], args[0]);
            assertTrue(attempted < whole / 2, args[0] + " went on writing after the reader left: " + attempted
                    + " writes tried, " + whole + " for the whole output");
        }
    }

    /**
     * Runs {@code args} with stdout a stream counting its writes; returns the count. With {@code exitCode} given,
     * every write fails as a closed pipe does and the exit code goes there.
     */
    private static int countingWrites(String[] args, java.util.function.IntConsumer exitCode) {
        int[] writes = {0};
        java.io.OutputStream stdout = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                writes[0]++;
                if (exitCode != null) {
                    throw new java.io.IOException("Broken pipe");
                }
            }
        };
        int code = Main.run(StdoutWriter.over(stdout), new java.io.PrintWriter(new java.io.StringWriter(), true), args);
        if (exitCode != null) {
            exitCode.accept(code);
        }
        return writes[0];
    }
}
