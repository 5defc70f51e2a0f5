package io.mtl4j.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.Example;
import io.mtl4j.data.SplitData;
import io.mtl4j.data.SplitLoader;
import io.mtl4j.data.SplitLocator;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskRegistryTest {
    @TempDir
    Path dir;
    final TaskRegistry glue = TaskRegistry.glue();

    @Test
    void allNineGlueTasksWithHubLabelIds() {
        assertEquals(List.of("cola", "mnli", "mrpc", "qnli", "qqp", "rte", "sst2", "stsb", "wnli"), glue.names());
        assertEquals(List.of("entailment", "neutral", "contradiction"), glue.get("mnli").labelNames());
        assertEquals(List.of("entailment", "not_entailment"), glue.get("qnli").labelNames());
        assertEquals(List.of("entailment", "not_entailment"), glue.get("rte").labelNames());
        assertEquals(List.of("not_entailment", "entailment"), glue.get("wnli").labelNames());
        assertEquals(List.of("not_equivalent", "equivalent"), glue.get("mrpc").labelNames());
        assertEquals(List.of("not_duplicate", "duplicate"), glue.get("qqp").labelNames());
        assertEquals(List.of("unacceptable", "acceptable"), glue.get("cola").labelNames());
        assertEquals(List.of("negative", "positive"), glue.get("sst2").labelNames());
        assertTrue(glue.get("stsb").isRegression());
        assertEquals(1, glue.get("stsb").numLabels());
    }

    @Test
    void metricsFollowGlueConventions() {
        assertEquals(Metric.MATTHEWS, glue.get("cola").mainMetric());
        assertEquals(Metric.F1, glue.get("qqp").mainMetric());
        assertEquals(List.of(Metric.F1, Metric.ACCURACY), glue.get("mrpc").metrics());
        assertEquals(List.of(Metric.SPEARMAN, Metric.PEARSON), glue.get("stsb").metrics());
        assertEquals(Metric.ACCURACY, glue.get("rte").mainMetric());
    }

    @Test
    void textFieldsAndSplits() {
        assertEquals(List.of("premise", "hypothesis"), glue.get("mnli").textFields());
        assertEquals(List.of("question", "sentence"), glue.get("qnli").textFields());
        assertEquals(List.of("sentence"), glue.get("sst2").textFields());
        assertTrue(glue.get("mnli").hasSplit("validation_mismatched"));
        assertTrue(!glue.get("mnli").hasSplit("validation"));
        assertTrue(TaskSpec.isLabeledSplit("validation_matched"));
        assertTrue(!TaskSpec.isLabeledSplit("test_matched"));
    }

    @Test
    void unknownTaskListsKnownOnes() {
        UserError e = assertThrows(UserError.class, () -> glue.get("sst-2"));
        assertEquals("unknown task 'sst-2'; did you mean sst2? (known: cola, mnli, mrpc, qnli, qqp, rte, sst2, stsb, wnli)", e.getMessage());
    }

    @Test
    void userTasksFromYamlAreReadable() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/train.csv"), "text,sentiment\ngreat,pos\nawful,neg\n");
        Path decl = dir.resolve("tasks.yaml");
        Files.writeString(decl, """
                tasks:
                  - name: reviews
                    text_fields: [text]
                    labels: [neg, pos]
                    label_field: sentiment
                    metrics: [accuracy, f1]
                    main_metric: f1
                    files:
                      train: data/train.csv
                  - name: similarity
                    text_fields: [a, b]
                    regression: true
                    files: {train: data/sim.jsonl}
                """);
        TaskRegistry reg = glue.withTasksFrom(decl);
        TaskSpec reviews = reg.get("reviews");
        assertEquals(Metric.F1, reviews.mainMetric());
        assertEquals(List.of(Metric.PEARSON, Metric.SPEARMAN), reg.get("similarity").metrics());
        assertEquals(List.of("train"), reviews.splits());
        SplitData d = SplitLoader.load(new SplitLocator(dir.resolve("elsewhere")), reviews, "train", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("great", null, 1, Float.NaN, 2), new Example("awful", null, 0, Float.NaN, 3)),
                d.examples());
    }

    @Test
    void userTasksFromJson() throws IOException {
        Path decl = dir.resolve("tasks.json");
        Files.writeString(decl, "{\"tasks\": [{\"name\": \"t\", \"text_fields\": [\"x\"], \"labels\": [\"a\", \"b\", \"c\"],"
                + " \"files\": {\"train\": \"t.jsonl\"}}]}");
        TaskSpec t = glue.withTasksFrom(decl).get("t");
        assertEquals(3, t.numLabels());
        assertEquals(dir.resolve("t.jsonl"), t.splitFiles().get("train"));
    }

    @Test
    void aTaskWithThreeLabelsTakesMatthewsAndMacroF1() throws IOException {
        Path decl = dir.resolve("tasks.yaml");
        Files.writeString(decl, """
                tasks:
                  - name: stars
                    text_fields: [review]
                    labels: [bad, ok, good]
                    metrics: [f1_macro, matthews, accuracy]
                    files: {train: train.jsonl}
                """);
        TaskSpec stars = glue.withTasksFrom(decl).get("stars");
        assertEquals(List.of(Metric.F1_MACRO, Metric.MATTHEWS, Metric.ACCURACY), stars.metrics());
        assertEquals(Metric.F1_MACRO, stars.mainMetric());
    }

    @Test
    void aKeyGivenTwiceInATaskIsAnErrorNotLastOneWins() throws IOException {
        // Last one wins would silently train on the second file, or flip the label order.
        String head = "tasks:\n  - name: ok\n    text_fields: [x]\n    labels: [a, b]\n    files: {train: t.csv}\n";
        String file = declError(head.replace("{train: t.csv}", "\n      train: t.csv\n      validation: v.csv\n      train: u.csv"));
        assertTrue(file.startsWith("bad.yaml:8: invalid task declaration: Duplicate field 'train'"), file);
        String labels = declError(head.replace("files:", "labels: [b, a]\n    files:"));
        assertTrue(labels.startsWith("bad.yaml:5: invalid task declaration: Duplicate field 'labels'"), labels);
    }

    @Test
    void aDevSplitWithoutValidationIsAnErrorSinceItWouldNeverBeEvaluated() throws IOException {
        // Training evaluates 'validation' (MNLI: validation_matched/_mismatched): a task's 'dev' file went unused.
        String head = "tasks:\n  - name: ok\n    text_fields: [x]\n    labels: [a, b]\n    files: {train: t.csv, dev: d.csv}\n";
        assertEquals("bad.yaml:2: task 'ok': split 'dev' would never be evaluated: the dev split is called 'validation'"
                + " (Hugging Face's name)", declError(head));
        Path both = dir.resolve("both.yaml");
        Files.writeString(both, head.replace("dev: d.csv", "validation: v.csv, dev: d.csv"));
        assertEquals(List.of("train", "validation", "dev"), glue.withTasksFrom(both).get("ok").splits());
    }

    @Test
    void aFileNameThatIsNoPathIsAnErrorAtItsTask() throws IOException {
        // YAML's "\0" escape puts a NUL in the name: Path.resolve threw InvalidPathException, an internal error
        // (the one-line error shows the NUL escaped)
        String yaml = "tasks:\n  - name: ok\n    text_fields: [x]\n    labels: [a, b]\n    files: {train: \"t\\0.csv\"}\n";
        assertEquals("bad.yaml:2: task 'ok': split 'train': 't\\u0000.csv' is not a valid file name (Nul character not allowed)",
                declError(yaml));
    }

    @Test
    void aValueOfTheWrongShapeIsNamedByItsKeyInTheFileTermsNotJavaTypes() throws IOException {
        String head = "tasks:\n  - name: ok\n    text_fields: [x]\n    labels: [a, b]\n    files: {train: t.csv}\n";
        assertEquals("bad.yaml:2: invalid task declaration: 'labels' must be a list (e.g. [neg, pos])",
                declError(head.replace("labels: [a, b]", "labels: a")));
        assertEquals("bad.yaml:2: invalid task declaration: 'text_fields' must be a list (e.g. [sentence1, sentence2])",
                declError(head.replace("text_fields: [x]", "text_fields: x")));
        assertEquals("bad.yaml:2: invalid task declaration: 'labels' must be a list of names, not of lists or mappings",
                declError(head.replace("labels: [a, b]", "labels: [a, [b]]")));
        assertEquals("bad.yaml:2: invalid task declaration: 'files' must map each split to one file name (e.g. train: data/train.csv)",
                declError(head.replace("{train: t.csv}", "{train: [t.csv, u.csv]}")));
        assertEquals("bad.yaml:2: invalid task declaration: 'regression' must be true or false",
                declError(head.replace("labels: [a, b]", "regression: maybe")));
        for (String message : List.of(declError(head.replace("labels: [a, b]", "labels: a")),
                declError(head.replace("{train: t.csv}", "{train: [t.csv]}")))) {
            assertTrue(!message.contains("java.") && !message.contains("JsonToken"), message);
        }
    }

    @Test
    void aNameThatIsTheResultKeyOfAnotherTasksDevSplitIsAnError() throws IOException {
        // eval.json and the best checkpoint's scores are keyed by it: mnli's mismatched dev split is 'mnli-mm'.
        String task = "tasks:\n  - name: mnli-mm\n    text_fields: [x]\n    labels: [a, b]\n    files: {train: t.csv}\n";
        assertEquals("bad.yaml:2: task 'mnli-mm' clashes with the name under which task mnli's validation_mismatched"
                + " split is scored (eval.json, metrics); choose another name", declError(task));
        String both = "tasks:\n  - name: qa\n    text_fields: [x]\n    labels: [a, b]\n"
                + "    files: {train: t.csv, validation: d.csv, validation_mismatched: m.csv}\n"
                + "  - name: qa-validation_mismatched\n    text_fields: [x]\n    labels: [a, b]\n    files: {train: t.csv}\n";
        assertEquals("bad.yaml:6: task 'qa-validation_mismatched' clashes with the name under which task qa's"
                + " validation_mismatched split is scored (eval.json, metrics); choose another name", declError(both));
    }

    @Test
    void labelNamesThatAreTheSameNumberAreAnErrorSinceAValueCouldNotSayWhichItMeans() throws IOException {
        // A value is a label when it equals a name as text or as a number: 1.0 would be both '1' and '1.0'.
        String task = "tasks:\n  - name: ok\n    text_fields: [x]\n    labels: %s\n    files: {train: t.csv}\n";
        assertEquals("bad.yaml:2: task 'ok': labels '1' and '1.0' are the same number; a value 1 could mean either",
                declError(task.formatted("[1, '1.0', 2]")));
        assertEquals("bad.yaml:2: task 'ok': labels '01' and '1' are the same number; a value 1 could mean either",
                declError(task.formatted("['01', '1']")));
    }

    private String declError(String yaml) throws IOException {
        Path decl = dir.resolve("bad.yaml");
        Files.writeString(decl, yaml);
        return assertThrows(UserError.class, () -> glue.withTasksFrom(decl)).getMessage()
                .replace(decl.toString(), "bad.yaml");
    }

    @Test
    void badDeclarationsNameFileLineAndReason() throws IOException {
        String head = "tasks:\n  - name: ok\n    text_fields: [x]\n    labels: [a, b]\n    files: {train: t.csv}\n";
        assertEquals("bad.yaml:6: task 'z': 'labels' must list at least 2 label names (or set 'regression: true')",
                declError(head + "  - name: z\n    text_fields: [x]\n    labels: [a]\n    files: {train: t.csv}\n"));
        assertEquals("bad.yaml:2: task 'ok': give either 'labels' or 'regression: true', not both",
                declError(head.replace("labels: [a, b]", "labels: [a, b]\n    regression: true")));
        assertEquals("bad.yaml:2: task 'ok': metric 'pearson' does not apply to a classification task",
                declError(head.replace("files:", "metrics: [pearson]\n    files:")));
        assertEquals("bad.yaml:2: task 'ok': unknown metric 'auc' (known: accuracy, f1, f1_macro, matthews, pearson, spearman)",
                declError(head.replace("files:", "metrics: [auc]\n    files:")));
        assertEquals("bad.yaml:2: task 'ok': metric 'f1' is the F1 of label 1 alone, for tasks with 2 labels;"
                        + " with 3 labels use f1_macro (the mean F1 over the labels), matthews or accuracy",
                declError(head.replace("[a, b]", "[a, b, c]").replace("files:", "metrics: [accuracy, f1]\n    files:")));
        assertEquals("bad.yaml:2: task 'ok': 'text_fields' must list 1 or 2 column names",
                declError(head.replace("[x]", "[x, y, z]")));
        assertEquals("bad.yaml:2: task 'ok': 'files' must map at least one split to a file",
                declError(head.replace("    files: {train: t.csv}\n", "")));
        assertEquals("bad.yaml:2: task 'sst2' is already defined", declError(head.replace("name: ok", "name: sst2")));
        assertEquals("bad.yaml:6: task 'ok' is declared twice", declError(head + head.replace("tasks:\n", "")));
        assertEquals("bad.yaml:2: invalid task declaration: unknown key 'lables'; did you mean labels? (keys: name, text_fields,"
                + " labels, regression, metrics, main_metric, label_field, files)", declError(head.replace("labels:", "lables:")));
        assertEquals("bad.yaml:1: expected the key 'tasks'", declError("task:\n  - name: x\n"));
    }
}
