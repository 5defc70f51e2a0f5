package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every GLUE task, in each data layout (Hugging Face JSONL with idx; the original GLUE TSVs with their
 * per-task headers and quirks), through train, eval, predict --input, predict --glue-submission and
 * export: the same way for all nine tasks (and AX) as for the ones the other tests walk.
 */
class AllGlueTasksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = {"the", "a", "movie", "film", "is", "was", "good", "bad", "great", "not",
            "very", "dog", "cat", "man", "woman", "play", "sleep", "eat", "story", "plot"};
    private static final int TRAIN = 24;
    private static final int DEV = 12;
    private static final int TEST = 6;

    @TempDir
    static Path dir;
    private static final Map<String, Path> RUNS = new ConcurrentHashMap<>();

    /** A GLUE task as the tests see it: HF name, fields, label ids as HF stores them, GLUE TSV shape. */
    record Glue(String task, String file, List<String> fields, List<String> labels, String metrics, String submissionLabels) {
        boolean pair() {
            return fields.size() == 2;
        }

        boolean regression() {
            return labels.isEmpty();
        }
    }

    static final List<Glue> TASKS = List.of(
            new Glue("cola", "CoLA", List.of("sentence"), List.of("unacceptable", "acceptable"), "matthews,accuracy", "0|1"),
            new Glue("sst2", "SST-2", List.of("sentence"), List.of("negative", "positive"), "accuracy", "0|1"),
            new Glue("mrpc", "MRPC", List.of("sentence1", "sentence2"), List.of("not_equivalent", "equivalent"), "f1,accuracy", "0|1"),
            new Glue("stsb", "STS-B", List.of("sentence1", "sentence2"), List.of(), "spearman,pearson", "[0-5]\\.[0-9]{3}"),
            new Glue("qqp", "QQP", List.of("question1", "question2"), List.of("not_duplicate", "duplicate"), "f1,accuracy", "0|1"),
            new Glue("mnli", "MNLI", List.of("premise", "hypothesis"), List.of("entailment", "neutral", "contradiction"), "accuracy",
                    "entailment|neutral|contradiction"),
            new Glue("qnli", "QNLI", List.of("question", "sentence"), List.of("entailment", "not_entailment"), "accuracy",
                    "entailment|not_entailment"),
            new Glue("rte", "RTE", List.of("sentence1", "sentence2"), List.of("entailment", "not_entailment"), "accuracy",
                    "entailment|not_entailment"),
            new Glue("wnli", "WNLI", List.of("sentence1", "sentence2"), List.of("not_entailment", "entailment"), "accuracy", "0|1"));

    static final List<String> LAYOUTS = List.of("jsonl", "glue-tsv", "parquet");

    static Stream<Arguments> tasksAndLayouts() {
        List<Arguments> out = new ArrayList<>();
        for (String layout : LAYOUTS) {
            for (Glue g : TASKS) {
                out.add(Arguments.of(layout, g.task()));
            }
        }
        return out.stream();
    }

    /** Each task in the JSONL layout, whose test files predict reads as input. */
    static Stream<Arguments> tasksInJsonl() {
        return TASKS.stream().map(g -> Arguments.of("jsonl", g.task()));
    }

    static Stream<String> layouts() {
        return LAYOUTS.stream();
    }

    private static Glue glue(String task) {
        return TASKS.stream().filter(g -> g.task().equals(task)).findFirst().orElseThrow();
    }

    // ---- data ----

    private static String sentence(Random r) {
        StringBuilder s = new StringBuilder();
        int n = 3 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return s.toString();
    }

    /** Splits of a task: name as HF calls it, name of the GLUE TSV file. */
    private static List<String[]> splits(Glue g) {
        if (g.task().equals("mnli")) {
            return List.of(new String[] {"train", "train"}, new String[] {"validation_matched", "dev_matched"},
                    new String[] {"validation_mismatched", "dev_mismatched"}, new String[] {"test_matched", "test_matched"},
                    new String[] {"test_mismatched", "test_mismatched"});
        }
        return List.of(new String[] {"train", "train"}, new String[] {"validation", "dev"}, new String[] {"test", "test"});
    }

    /** The data directory of {@code layout} with every GLUE task and AX, written once. */
    static synchronized Path data(String layout) throws IOException {
        Path root = dir.resolve("data-" + layout);
        if (Files.exists(root)) {
            return root;
        }
        Random r = new Random(7);
        for (Glue g : TASKS) {
            for (String[] split : splits(g)) {
                int n = split[0].equals("train") ? TRAIN : split[0].startsWith("test") ? TEST : DEV;
                boolean test = split[0].startsWith("test");
                List<String[]> rows = new ArrayList<>(); // text a, text b (or null), label id/score (or null)
                for (int i = 0; i < n; i++) {
                    String label = test ? null : g.regression() ? String.valueOf((i % 11) * 0.5)
                            : String.valueOf(i % g.labels().size());
                    rows.add(new String[] {sentence(r), g.pair() ? sentence(r) : null, label});
                }
                if (layout.equals("jsonl")) {
                    writeJsonl(root.resolve(g.task()).resolve(split[0] + ".jsonl"), g.fields(), rows, g.regression());
                } else if (layout.equals("parquet")) {
                    writeParquet(root.resolve(g.task()).resolve(split[0] + "-00000-of-00001.parquet"), g.fields(), rows,
                            g.regression());
                } else {
                    writeGlueTsv(root.resolve(g.file()).resolve(split[1] + ".tsv"), g, split[0], rows);
                }
            }
        }
        List<String[]> ax = new ArrayList<>();
        for (int i = 0; i < TEST; i++) {
            ax.add(new String[] {sentence(r), sentence(r), null});
        }
        if (layout.equals("jsonl")) {
            writeJsonl(root.resolve("ax/test.jsonl"), List.of("premise", "hypothesis"), ax, false);
        } else if (layout.equals("parquet")) {
            writeParquet(root.resolve("ax/test-00000-of-00001.parquet"), List.of("premise", "hypothesis"), ax, false);
        } else {
            List<String> lines = new ArrayList<>(List.of("index\tsentence1\tsentence2"));
            for (int i = 0; i < ax.size(); i++) {
                lines.add(i + "\t" + ax.get(i)[0] + "\t" + ax.get(i)[1]);
            }
            write(root.resolve("diagnostic/diagnostic.tsv"), lines);
        }
        return root;
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, lines);
    }

    private static void writeJsonl(Path file, List<String> fields, List<String[]> rows, boolean regression) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            var node = JSON.createObjectNode();
            node.put(fields.get(0), rows.get(i)[0]);
            if (fields.size() == 2) {
                node.put(fields.get(1), rows.get(i)[1]);
            }
            String label = rows.get(i)[2];
            if (label == null) {
                node.put("label", -1);
            } else if (regression) {
                node.put("label", Double.parseDouble(label));
            } else {
                node.put("label", Integer.parseInt(label));
            }
            node.put("idx", i);
            lines.add(JSON.writeValueAsString(node));
        }
        write(file, lines);
    }

    private static void writeParquet(Path file, List<String> fields, List<String[]> rows, boolean regression)
            throws IOException {
        Files.createDirectories(file.getParent());
        List<Object[]> out = new ArrayList<>();
        for (String[] row : rows) {
            Object[] o = new Object[fields.size() + 1];
            o[0] = row[0];
            if (fields.size() == 2) {
                o[1] = row[1];
            }
            o[fields.size()] = row[2] == null ? (Number) (-1) : regression ? (Number) Double.parseDouble(row[2])
                    : (Number) Integer.parseInt(row[2]);
            out.add(o);
        }
        io.mtl4j.data.ParquetFixtures.writeGlueSplit(file, fields, regression, out);
    }

    /** A task's split as the original GLUE distribution has it (download_glue_data.py). */
    private static void writeGlueTsv(Path file, Glue g, String split, List<String[]> rows) throws IOException {
        boolean test = split.startsWith("test");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String a = rows.get(i)[0];
            String b = rows.get(i)[1];
            String id = rows.get(i)[2];
            String name = id == null || g.regression() ? null : g.labels().get(Integer.parseInt(id));
            String row = switch (g.task()) {
                case "cola" -> test ? i + "\t" + a : "gj04\t" + id + "\t" + (id.equals("0") ? "*" : "") + "\t" + a;
                case "sst2" -> test ? i + "\t" + a : a + "\t" + id;
                case "mrpc" -> test ? i + "\t" + (1000 + i) + "\t" + (2000 + i) + "\t" + a + "\t" + b
                        : id + "\t" + (1000 + i) + "\t" + (2000 + i) + "\t" + a + "\t" + b;
                case "qqp" -> test ? i + "\t" + a + "\t" + b : i + "\t" + (2 * i) + "\t" + (2 * i + 1) + "\t" + a + "\t" + b + "\t" + id;
                case "stsb" -> i + "\tmain-captions\tMSRvid\t2012test\t" + i + "\tnone\tnone\t" + a + "\t" + b + (test ? "" : "\t" + id);
                case "mnli" -> i + "\t" + (31193 + i) + "\t" + (31193 + i) + "n\tgovernment\t( " + a + " )\t( " + b + " )\t(ROOT "
                        + a + ")\t(ROOT " + b + ")\t" + a + "\t" + b
                        + (test ? "" : split.equals("train") ? "\t" + name + "\t" + name
                        : "\t" + name + "\t" + name + "\t" + name + "\t" + name + "\t" + name + "\t" + name);
                case "qnli", "rte" -> i + "\t" + a + "\t" + b + (test ? "" : "\t" + name);
                case "wnli" -> i + "\t" + a + "\t" + b + (test ? "" : "\t" + id);
                default -> throw new AssertionError(g.task());
            };
            lines.add(row);
        }
        String header = switch (g.task()) {
            case "cola" -> test ? "index\tsentence" : null;
            case "sst2" -> test ? "index\tsentence" : "sentence\tlabel";
            case "mrpc" -> test ? "index\t#1 ID\t#2 ID\t#1 String\t#2 String" : "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String";
            case "qqp" -> test ? "id\tquestion1\tquestion2" : "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate";
            case "stsb" -> "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2" + (test ? "" : "\tscore");
            case "mnli" -> "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse"
                    + "\tsentence2_parse\tsentence1\tsentence2" + (test ? "" : split.equals("train") ? "\tlabel1\tgold_label"
                    : "\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label");
            case "qnli" -> "index\tquestion\tsentence" + (test ? "" : "\tlabel");
            default -> "index\tsentence1\tsentence2" + (test ? "" : "\tlabel");
        };
        if (header != null) {
            lines.add(0, header);
        }
        write(file, lines);
    }

    // ---- a run per layout: all nine tasks trained together ----

    static synchronized Path run(String layout) throws Exception {
        Path run = RUNS.get(layout);
        if (run == null) {
            run = TinyRuns.train(dir, "run-" + layout, data(layout),
                    "cola,sst2,mrpc,stsb,qqp,mnli,qnli,rte,wnli", "--steps", "9", "--eval-every", "9");
            RUNS.put(layout, run);
        }
        return run;
    }

    @ParameterizedTest
    @MethodSource("tasksAndLayouts")
    void trainAndEvalReportEachTasksGlueMetricsAsFractions(String layout, String task) throws Exception {
        Glue g = glue(task);
        Path run = run(layout);
        JsonNode saved = JSON.readTree(run.resolve("eval.json").toFile());
        CliRunner r = CliRunner.run("eval", "--checkpoint", run.resolve("best").toString(), "--data", data(layout).toString(),
                "--tasks", task, "--json", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode printed = JSON.readTree(r.out());
        List<String> keys = task.equals("mnli") ? List.of("mnli", "mnli-mm") : List.of(task);
        assertEquals(keys, TinyRuns.fieldNames(printed));
        for (String key : keys) {
            assertEquals(List.of(g.metrics().split(",")).stream().sorted().toList(),
                    TinyRuns.fieldNames(printed.get(key)).stream().sorted().toList(), key);
            for (String metric : g.metrics().split(",")) {
                double v = printed.get(key).get(metric).asDouble();
                boolean correlation = metric.equals("matthews") || metric.equals("pearson") || metric.equals("spearman");
                assertTrue(Double.isNaN(v) || (v >= (correlation ? -1 : 0) && v <= 1), key + " " + metric + " = " + v);
                assertEquals(saved.get(key).get(metric).asDouble(), v, 1e-9, key + " " + metric + " as the run scored it");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tasksAndLayouts")
    void predictInputGivesTheTasksLabelNamesOrAScore(String layout, String task) throws Exception {
        Glue g = glue(task);
        String input = g.pair() ? "the dog is good\ta dog is great\nthe plot was bad\tthe cat sleeps\n"
                : "the dog is good\nthe plot was bad\n";
        List<String> lines = TinyRuns.predict(dir, run(layout).resolve("best"), task, input);
        assertEquals(2, lines.size());
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            if (g.regression()) {
                assertEquals(List.of("score"), TinyRuns.fieldNames(n));
            } else {
                assertEquals(g.labels().get(n.get("label_id").asInt()), n.get("label").asText());
                assertEquals(g.labels().size(), n.get("probs").size());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tasksAndLayouts")
    void glueSubmissionWritesTheLeaderboardFileOfEachTask(String layout, String task) throws Exception {
        Glue g = glue(task);
        Path out = dir.resolve("submission-" + layout + "-" + task);
        CliRunner r = CliRunner.run("predict", "--checkpoint", run(layout).resolve("best").toString(), "--task", task,
                "--data", data(layout).toString(), "--glue-submission", out.toString(), "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> files = task.equals("mnli") ? List.of("AX.tsv", "MNLI-m.tsv", "MNLI-mm.tsv") : List.of(g.file() + ".tsv");
        try (var listed = Files.list(out)) {
            assertEquals(files, listed.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String file : files) {
            List<String> lines = Files.readAllLines(out.resolve(file));
            assertEquals("index\tprediction", lines.get(0), file);
            assertEquals(TEST + 1, lines.size(), file);
            for (int i = 1; i < lines.size(); i++) {
                assertTrue(lines.get(i).matches((i - 1) + "\t(" + g.submissionLabels() + ")"), file + ": " + lines.get(i));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void glueSubmissionWithoutTaskWritesAllElevenFilesAndEvalScoresEveryHead(String layout) throws Exception {
        Path out = dir.resolve("submission-all-" + layout);
        CliRunner r = CliRunner.run("predict", "--checkpoint", run(layout).resolve("best").toString(),
                "--data", data(layout).toString(), "--glue-submission", out.toString(), "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.exitCode(), r.err());
        try (var listed = Files.list(out)) {
            assertEquals(List.of("AX.tsv", "CoLA.tsv", "MNLI-m.tsv", "MNLI-mm.tsv", "MRPC.tsv", "QNLI.tsv", "QQP.tsv",
                    "RTE.tsv", "SST-2.tsv", "STS-B.tsv", "WNLI.tsv"), listed.map(p -> p.getFileName().toString()).sorted().toList());
        }
        CliRunner eval = CliRunner.run("eval", "--checkpoint", run(layout).resolve("best").toString(),
                "--data", data(layout).toString(), "--json", "--device", "cpu", "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertEquals(List.of("cola", "mnli", "mnli-mm", "mrpc", "qnli", "qqp", "rte", "sst2", "stsb", "wnli"),
                TinyRuns.fieldNames(JSON.readTree(eval.out())).stream().sorted().toList());
    }

    @ParameterizedTest
    @MethodSource("tasksInJsonl")
    void predictReadsTheTasksOwnTestFileAsInput(String layout, String task) throws Exception {
        Path test = data(layout).resolve(task).resolve(task.equals("mnli") ? "test_matched.jsonl" : "test.jsonl");
        CliRunner r = CliRunner.run("predict", "--checkpoint", run(layout).resolve("best").toString(), "--task", task,
                "--input", test.toString(), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(TEST, r.out().lines().count());
    }

    @ParameterizedTest
    @MethodSource("tasksAndLayouts")
    void exportWritesTheTasksLabelsAndProblemType(String layout, String task) throws Exception {
        Glue g = glue(task);
        Path out = dir.resolve("export-" + layout + "-" + task);
        CliRunner r = CliRunner.run("export", "--checkpoint", run(layout).resolve("best").toString(), "--task", task,
                "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(task, config.get("finetuning_task").asText());
        if (g.regression()) {
            assertEquals("regression", config.get("problem_type").asText());
            assertEquals(1, config.get("id2label").size());
        } else {
            assertEquals("single_label_classification", config.get("problem_type").asText());
            assertEquals(g.labels().size(), config.get("id2label").size());
            for (int i = 0; i < g.labels().size(); i++) {
                assertEquals(g.labels().get(i), config.get("id2label").get(String.valueOf(i)).asText());
                assertEquals(i, config.get("label2id").get(g.labels().get(i)).asInt());
            }
        }
        if (config.has("num_labels")) {
            assertEquals(g.regression() ? 1 : g.labels().size(), config.get("num_labels").asInt());
        }
    }
}
