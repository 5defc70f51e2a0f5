package io.mtl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.testing.CheckpointTensors;
import io.mtl4j.testing.LogCapture;
import io.mtl4j.testing.TestFiles;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.tokenize.VocabTxtConverter;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * eval and predict read a Hugging Face BertForSequenceClassification directory (an export, or a model
 * fine-tuned with transformers) as a one-task checkpoint.
 */
class HfClassifierDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INPUT = "a great film\nthe plot was boring\nthe dog was fun\n";

    @TempDir
    static Path dir;
    static Path run;
    static Path data;
    static Path sst2;
    static Path stsb;

    @BeforeAll
    static void trainAndExport() throws Exception {
        data = TinyGlue.writeStsb(TinyGlue.write(dir.resolve("glue"), 64, 24, 9), 64, 24, 10);
        run = TinyRuns.train(dir, "run", data, "sst2,stsb", "--steps", "20", "--eval-every", "20");
        sst2 = export("sst2");
        stsb = export("stsb");
    }

    private static Path export(String task) {
        Path out = dir.resolve("export-" + task);
        CliRunner r = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", task, "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        return out;
    }

    @Test
    void anExportPredictsAndScoresAsItsCheckpoint() throws Exception {
        assertEquals(TinyRuns.predict(dir, run.resolve("best"), "sst2", INPUT), TinyRuns.predict(dir, sst2, "sst2", INPUT));
        assertEquals(TinyRuns.predict(dir, run.resolve("best"), "stsb", INPUT.replace("\n", "\tthe dog\n")),
                TinyRuns.predict(dir, stsb, "stsb", INPUT.replace("\n", "\tthe dog\n")));

        CliRunner fromRun = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data.toString(),
                "--tasks", "sst2", "--json", "--device", "cpu");
        CliRunner fromExport = CliRunner.run("eval", "--checkpoint", sst2.toString(), "--data", data.toString(), "--json", "--device", "cpu");
        assertEquals(0, fromRun.exitCode(), fromRun.err());
        assertEquals(0, fromExport.exitCode(), fromExport.err());
        assertEquals(JSON.readTree(fromRun.out()), JSON.readTree(fromExport.out()), "no --tasks: the export's one task");
    }

    @Test
    void transformersDefaultLabelNamesAndOlderTaskNamesAreRead() throws Exception {
        Path python = edited("python-style", c -> {
            c.putObject("id2label").put("0", "LABEL_0").put("1", "LABEL_1");
            c.put("finetuning_task", "sst-2");
        });
        List<String> expected = TinyRuns.predict(dir, sst2, "sst2", INPUT);
        assertEquals(expected, TinyRuns.predict(dir, python, "sst2", INPUT), "labels named as the task's, in its order");

        Path upper = edited("upper-case-labels", c -> c.putObject("id2label").put("0", "NEGATIVE").put("1", "POSITIVE"));
        assertEquals(expected, TinyRuns.predict(dir, upper, "sst2", INPUT));

        Path unnamed = edited("no-finetuning-task", c -> c.remove("finetuning_task"));
        assertEquals(expected, TinyRuns.predict(dir, unnamed, "sst2", INPUT), "--task names the classifier's task");
        CliRunner eval = CliRunner.run("eval", "--checkpoint", unnamed.toString(), "--data", data.toString(), "--device", "cpu");
        assertEquals(2, eval.exitCode());
        assertTrue(eval.err().contains("finetuning_task") && eval.err().contains("--tasks"), eval.err());
    }

    @Test
    void aClassifierOverOtherLabelsIsRefused() throws Exception {
        Path swapped = edited("swapped-labels", c -> c.putObject("id2label").put("0", "positive").put("1", "negative"));
        CliRunner r = predict(swapped, "sst2");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("id2label") && r.err().contains("[negative, positive]"), r.err());
        assertEquals("", r.out());

        CliRunner regression = predict(stsb, "sst2");
        assertEquals(2, regression.exitCode());
        assertTrue(regression.err().contains("1 outputs, but task sst2 needs 2"), regression.err());

        Path multiLabel = edited("multi-label", c -> c.put("problem_type", "multi_label_classification"));
        CliRunner sigmoid = predict(multiLabel, "sst2");
        assertEquals(2, sigmoid.exitCode());
        assertTrue(sigmoid.err().contains("multi_label_classification"), sigmoid.err());

        Path mislabeled = edited("stsb-as-sst2", c -> c.put("finetuning_task", "stsb"));
        CliRunner outputs = predict(mislabeled, "stsb");
        assertEquals(2, outputs.exitCode());
        assertTrue(outputs.err().contains("2 outputs") && outputs.err().contains("stsb"), outputs.err());
    }

    @Test
    void id2labelMustNumberTheOutputsFromZero() throws Exception {
        // transformers reads id2label[argmax]: with ids 0 and 5 the second output has no label
        Path gap = edited("id-gap", c -> c.putObject("id2label").put("0", "negative").put("5", "positive"));
        CliRunner r = predict(gap, "sst2");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains(gap.resolve("config.json").toString()) && r.err().contains("id2label")
                && r.err().contains("0 to 1"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        Path extra = edited("id-extra", c -> c.putObject("id2label").put("0", "LABEL_0").put("1", "LABEL_1").put("2", "LABEL_2"));
        CliRunner three = predict(extra, "sst2");
        assertEquals(2, three.exitCode(), three.out());
        assertTrue(three.err().contains("id2label") && three.err().contains("0 to 1"), three.err());
    }

    @Test
    void anUnsetOrHugeModelMaxLengthFallsBackToTheModelsPositions() throws Exception {
        int positions = JSON.readTree(sst2.resolve("config.json").toFile()).get("max_position_embeddings").asInt();
        // transformers writes int(1e30) for "unset"; 2^64 + 16 is 16 when its low 64 bits are read as a long
        for (String length : List.of("1000000000000000019884624838656", "18446744073709551632", "1e30", "-1")) {
            Path dirWith = dir.resolve("max-length-" + length);
            TestFiles.copyTree(sst2, dirWith);
            Files.writeString(dirWith.resolve("tokenizer_config.json"), "{\"model_max_length\": " + length + "}");
            io.mtl4j.eval.LoadedCheckpoint ckpt = io.mtl4j.eval.LoadedCheckpoint.load(dirWith,
                    io.mtl4j.runtime.Devices.resolve("cpu"), null, List.of());
            assertEquals(positions, ckpt.config().maxLength(), "model_max_length " + length);
        }
    }

    @Test
    void aClassifierOfAnotherArchitectureIsRefused() throws Exception {
        // a BertForTokenClassification (NER) or BertForMultipleChoice also keeps classifier.*, over tokens or choices
        Path tokens = edited("token-classification", c -> c.putArray("architectures").add("BertForTokenClassification"));
        CliRunner r = predict(tokens, "sst2");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains(tokens.resolve("config.json").toString()) && r.err().contains("BertForTokenClassification"), r.err());

        Tensor classifier = CheckpointLoader.load(tokens, Set.of("classifier.")).extras().get("classifier.weight");
        Tensor head = headAfterOneTinyStep("from-token-classifier", tokens);
        assertTrue(maxAbsDiff(classifier, head) > 1e-2, "its classifier is not taken as sst2's head: " + maxAbsDiff(classifier, head));
    }

    @Test
    void finetuningTaskMnliMmIsMnli() throws Exception {
        // transformers' glue tasks include mnli-mm (MNLI, scored on its mismatched dev set); run_glue records it as given
        Path mm = edited("mnli-mm", c -> c.put("finetuning_task", "MNLI-MM"));
        CliRunner r = CliRunner.run("eval", "--checkpoint", mm.toString(), "--data", data.toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("task mnli needs 3"), "read as an MNLI classifier: " + r.err());
    }

    /** transformers never reads finetuning_task back: a task named on the command line decides what the classifier is. */
    @Test
    void theOneTaskAskedForWinsOverFinetuningTask() throws Exception {
        Path senti = Files.writeString(dir.resolve("senti.yaml"), """
                tasks:
                  - name: senti
                    text_fields: [sentence]
                    labels: [negative, positive]
                    files:
                      validation: %s
                """.formatted(data.resolve("sst2/validation.jsonl")));
        Path file = Files.writeString(dir.resolve("senti-input.tsv"), INPUT);
        StringWriter log = new StringWriter();
        CliRunner asSenti;
        try (AutoCloseable capture = LogCapture.into(log)) {
            asSenti = CliRunner.run("predict", "--checkpoint", sst2.toString(), "--task", "senti", "--task-file",
                    senti.toString(), "--input", file.toString(), "--device", "cpu");
        }
        assertEquals(0, asSenti.exitCode(), asSenti.err());
        assertEquals(TinyRuns.predict(dir, sst2, "sst2", INPUT), asSenti.out().lines().toList(), "the same classifier, read as senti");
        assertTrue(log.toString().contains(sst2.resolve("config.json") + ": finetuning_task is 'sst2'; its classifier is read as"
                + " task senti, the task asked for"), log.toString());

        CliRunner evalSenti = CliRunner.run("eval", "--checkpoint", sst2.toString(), "--tasks", "senti", "--task-file",
                senti.toString(), "--data", data.toString(), "--device", "cpu", "--json");
        CliRunner evalSst2 = CliRunner.run("eval", "--checkpoint", sst2.toString(), "--tasks", "sst2", "--data", data.toString(),
                "--device", "cpu", "--json");
        assertEquals(0, evalSenti.exitCode(), evalSenti.err());
        assertEquals(0, evalSst2.exitCode(), evalSst2.err());
        assertEquals(JSON.readTree(evalSst2.out()).get("sst2"), JSON.readTree(evalSenti.out()).get("senti"));

        Path asQqp = edited("sst2-as-qqp", c -> c.put("finetuning_task", "qqp"));
        CliRunner qqp = predict(asQqp, "qqp");
        assertEquals(2, qqp.exitCode(), qqp.out());
        assertTrue(qqp.err().contains("id2label"), "an asked task must still fit the classifier's labels: " + qqp.err());
    }

    @Test
    void aUserTasksClassifierWithoutItsTaskFileSaysToGiveIt() throws Exception {
        Path user = edited("user-task", c -> c.put("finetuning_task", "senti"));
        String config = user.resolve("config.json").toString();
        CliRunner predict = predict(user, "senti");
        assertEquals(2, predict.exitCode(), predict.out());
        assertTrue(predict.err().contains(config) && predict.err().contains("'senti'") && predict.err().contains("--task-file"),
                predict.err());
        CliRunner eval = CliRunner.run("eval", "--checkpoint", user.toString(), "--data", data.toString(), "--device", "cpu");
        assertEquals(2, eval.exitCode(), eval.out());
        assertTrue(eval.err().contains(config) && eval.err().contains("--task-file"), eval.err());
    }

    @Test
    void anUnknownHeadInputInConfigJsonIsAnErrorNamingTheFile() throws Exception {
        Path upper = edited("head-input-upper", c -> c.put("mtl4j_head_input", "bogus"));
        CliRunner r = predict(upper, "sst2");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains(upper.resolve("config.json").toString()) && r.err().contains("mtl4j_head_input")
                && !r.err().contains("--head-input"), r.err());
    }

    @Test
    void aDirectoryWithoutAClassifierOrDataSaysWhat() throws Exception {
        CliRunner encoder = predict(dir.resolve("model"), "sst2");
        assertEquals(2, encoder.exitCode());
        assertTrue(encoder.err().contains("classifier.weight") && encoder.err().contains("BertForSequenceClassification"), encoder.err());

        Path damaged = dir.resolve("checkpoint-without-meta");
        TestFiles.copyTree(run.resolve("best"), damaged);
        Files.delete(damaged.resolve("mtl4j.json"));
        CliRunner lost = predict(damaged, "sst2");
        assertEquals(2, lost.exitCode());
        assertTrue(lost.err().contains("no mtl4j.json"), "an mtl4j checkpoint that lost its mtl4j.json is not read as an export: " + lost.err());

        CliRunner noData = CliRunner.run("eval", "--checkpoint", sst2.toString(), "--device", "cpu");
        assertEquals(2, noData.exitCode());
        assertTrue(noData.err().contains("--data") && noData.err().contains("Hugging Face"), noData.err());
    }

    @Test
    void aRawClsHeadIsScoredAsTrained() throws Exception {
        Path cls = TinyRuns.train(dir, "run-cls", data, "sst2", "--steps", "10", "--eval-every", "10", "--head-input", "cls");
        Path out = dir.resolve("export-cls");
        assertEquals(0, CliRunner.run("export", "--checkpoint", cls.resolve("best").toString(), "--task", "sst2",
                "--output", out.toString()).exitCode());
        List<String> expected = TinyRuns.predict(dir, cls.resolve("best"), "sst2", INPUT);
        assertEquals(expected, TinyRuns.predict(dir, out, "sst2", INPUT), "mtl4j_head_input in config.json is honoured");
        Path asPooler = dir.resolve("export-cls-as-pooler");
        TestFiles.copyTree(out, asPooler);
        ObjectNode config = (ObjectNode) JSON.readTree(asPooler.resolve("config.json").toFile());
        config.remove("mtl4j_head_input");
        JSON.writeValue(asPooler.resolve("config.json").toFile(), config);
        assertNotEquals(expected, TinyRuns.predict(dir, asPooler, "sst2", INPUT), "without it the pooler is applied, as in transformers");
    }

    @Test
    void trainingFromAClassifierDirectoryStartsTheNamedTasksHeadFromItsClassifier() throws Exception {
        Tensor classifier = CheckpointLoader.load(sst2, Set.of("classifier.")).extras().get("classifier.weight");
        Tensor kept = headAfterOneTinyStep("from-export", sst2);
        assertTrue(maxAbsDiff(classifier, kept) < 1e-6, "the sst2 head starts from classifier.*: " + maxAbsDiff(classifier, kept));

        Path swapped = edited("swapped-labels-model", c -> c.putObject("id2label").put("0", "positive").put("1", "negative"));
        Tensor fresh = headAfterOneTinyStep("from-swapped", swapped);
        assertTrue(maxAbsDiff(classifier, fresh) > 1e-2, "a classifier over other labels is not taken as the sst2 head: " + maxAbsDiff(classifier, fresh));
    }

    /** heads.sst2.weight after one step at the smallest learning rate from {@code model}, with sst2 and stsb. */
    private static Tensor headAfterOneTinyStep(String name, Path model) {
        Path out = dir.resolve(name);
        CliRunner r = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,stsb",
                "--batch-size", "16", "--lr", "1e-9", "--steps", "1", "--eval-every", "0", "--dropout", "false", "--device", "cpu",
                "--seed", "7", // not the exported run's: a fresh head differs from its classifier by more than its training did
                "--cache-dir", dir.resolve("cache").toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        return CheckpointTensors.all(out.resolve("last")).get("heads.sst2.weight");
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    private static CliRunner predict(Path checkpoint, String task) throws Exception {
        Path file = Files.createTempFile(dir, "predict-", ".tsv");
        Files.writeString(file, INPUT);
        return CliRunner.run("predict", "--checkpoint", checkpoint.toString(), "--task", task, "--input", file.toString(), "--device", "cpu");
    }

    /** A transformers fine-tune of an older model may carry only vocab.txt (and its tokenizer_config.json). */
    @Test
    void aDirectoryWithVocabTxtInsteadOfTokenizerJsonPredictsAndExportsAsWithIt() throws Exception {
        Path slow = TestFiles.copyTree(sst2, dir.resolve("vocab-txt-only"));
        TinyModels.replaceTokenizerJsonWithVocabTxt(slow, null); // keeps the export's tokenizer_config.json
        assertEquals(TinyRuns.predict(dir, sst2, "sst2", INPUT), TinyRuns.predict(dir, slow, "sst2", INPUT));

        Path reexport = dir.resolve("vocab-txt-only-export");
        CliRunner r = CliRunner.run("export", "--checkpoint", slow.toString(), "--task", "sst2", "--output", reexport.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(VocabTxtConverter.toTokenizerJson(slow),
                Files.readAllBytes(reexport.resolve("tokenizer.json")));
        assertEquals(TinyRuns.predict(dir, sst2, "sst2", INPUT), TinyRuns.predict(dir, reexport, "sst2", INPUT));
    }

    /** A copy of the sst2 export whose config.json {@code edit} changed. */
    private static Path edited(String name, Consumer<ObjectNode> edit) throws Exception {
        Path copy = dir.resolve(name);
        TestFiles.copyTree(sst2, copy);
        ObjectNode config = (ObjectNode) JSON.readTree(copy.resolve("config.json").toFile());
        edit.accept(config);
        JSON.writeValue(copy.resolve("config.json").toFile(), config);
        return copy;
    }
}
