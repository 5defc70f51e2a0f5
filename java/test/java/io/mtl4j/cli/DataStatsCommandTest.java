package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mtl4j data stats} on a tiny SST-2-shaped JSONL dataset and TinyModels' WordPiece tokenizer. */
class DataStatsCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Path model;
    Path data;
    Path cache;

    /**
     * train: token counts ([CLS] + words + [SEP]) 3, 6, 3, 7, 5; labels 1, 1, 0, 0, 1.
     * validation: "the" repeated k = 1..20 times, so 3..22 tokens; labels alternate 0, 1.
     * test: two unlabeled rows (label -1, as in the HF files).
     */
    @BeforeEach
    void writeFixtures() throws IOException {
        model = Files.createDirectories(tmp.resolve("model"));
        TinyModels.writeTokenizer(model);
        data = tmp.resolve("data");
        cache = tmp.resolve("cache");
        writeTrain(List.of(
                row("good", 1), row("the movie is good", 1), row("bad", 0),
                row("the film was very boring", 0), row("i liked it", 1)));
        List<String> validation = new ArrayList<>();
        for (int k = 1; k <= 20; k++) {
            validation.add(row(("the ".repeat(k)).trim(), k % 2));
        }
        write("sst2/validation.jsonl", validation);
        write("sst2/test.jsonl", List.of(row("a movie", -1, 0), row("a film", -1, 1))); // a test row's idx is unique
    }

    @Test
    void jsonHasCountsNearestRankPercentilesAndPaddingEfficiency() throws IOException {
        CliRunner r = stats("--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals(List.of("task", "label_names", "splits", "padding_efficiency"), fieldNames(root));
        assertEquals("sst2", root.get("task").asText());
        // the label counts are keyed by id; label_names[id] is the name the table shows
        assertEquals(JSON.readTree("[\"negative\",\"positive\"]"), root.get("label_names"));
        assertEquals(List.of("train", "validation", "test"), fieldNames(root.get("splits")));

        JsonNode train = root.get("splits").get("train");
        assertEquals(List.of("rows", "labels", "tokens", "skipped"), fieldNames(train));
        assertEquals(5, train.get("rows").asInt());
        assertEquals(JSON.readTree("{\"0\":2,\"1\":3}"), train.get("labels"));
        assertEquals(JSON.readTree("{\"mean\":4.8,\"p50\":5,\"p95\":7,\"max\":7}"), train.get("tokens"));
        assertEquals(0, train.get("skipped").asInt());

        JsonNode validation = root.get("splits").get("validation");
        assertEquals(20, validation.get("rows").asInt());
        assertEquals(JSON.readTree("{\"0\":10,\"1\":10}"), validation.get("labels"));
        // Nearest rank over 3..22: p50 = 10th value, p95 = 19th value.
        assertEquals(JSON.readTree("{\"mean\":12.5,\"p50\":12,\"p95\":21,\"max\":22}"), validation.get("tokens"));

        JsonNode test = root.get("splits").get("test");
        assertEquals(2, test.get("rows").asInt());
        assertEquals(0, test.get("labels").size(), "unlabeled split has no label counts");

        // Five train examples fit one batch of 32 padded to 7 tokens: 24 real of 35.
        assertEquals(0.6857, root.get("padding_efficiency").asDouble(), 1e-9);
        try (var cached = Files.list(cache.resolve("sst2"))) {
            assertTrue(cached.anyMatch(p -> p.getFileName().toString().matches("train\\.len128\\.[0-9a-f]{16}\\.tok")),
                    "tokenizations are cached");
        }
    }

    @Test
    void tokenLengthsAreCountedAfterTruncation() throws IOException {
        CliRunner r = stats("--json", "--max-length", "8");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode tokens = JSON.readTree(r.out()).get("splits").get("validation").get("tokens");
        assertEquals(8, tokens.get("max").asInt());
        assertEquals(8, tokens.get("p50").asInt());
    }

    @Test
    void aMaxLengthBeyondTheModelsPositionsIsCappedAsTrainCapsIt() throws IOException {
        // tinyConfig has 64 positions; the validation rows run to 22 tokens, the tokenizer here to 64
        Files.write(model.resolve("config.json"), JSON.writeValueAsBytes(io.mtl4j.testing.TinyModels.tinyConfig().raw()));
        CliRunner r = stats("--json", "--max-length", "100000");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(22, JSON.readTree(r.out()).get("splits").get("validation").get("tokens").get("max").asInt());
        CliRunner table = stats("--max-length", "100000");
        assertTrue(table.out().contains("truncated to 64"), table.out());
    }

    /** A task file declaring the user task 'reviews' (SST-2's rows) with the given {@code files:} entries. */
    private Path reviewsTaskFile(String files) throws IOException {
        return Files.writeString(tmp.resolve("tasks.yaml"), """
                tasks:
                  - name: reviews
                    text_fields: [sentence]
                    labels: [neg, pos]
                    files: {%s}
                """.formatted(files));
    }

    private CliRunner reviewsStats(Path taskFile, String... more) {
        List<String> args = new ArrayList<>(List.of("data", "stats", "--task", "reviews", "--task-file", taskFile.toString(),
                "--model", model.toString(), "--cache-dir", cache.toString()));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void aUserTaskFromATaskFile() throws IOException {
        Path decl = reviewsTaskFile("train: data/sst2/train.jsonl");
        CliRunner r = reviewsStats(decl, "--data", data.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals("reviews", root.get("task").asText());
        assertEquals(5, root.get("splits").get("train").get("rows").asInt());
    }

    @Test
    void aFileTheTaskFileNamesThatIsNotThereIsAnErrorNotASplitLeftOut() throws IOException {
        // Only layout-found splits may be missing: a file declared by name (a typo) must not vanish from the stats.
        Path decl = reviewsTaskFile("train: data/sst2/train.jsonl, validation: data/sst2/dev-typo.jsonl");
        CliRunner r = reviewsStats(decl, "--data", data.toString(), "--json");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("dev-typo.jsonl"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void theTableOfAUserTaskNamesTheTaskFileItsFilesComeFromNotTheUnreadDataDirectory() throws IOException {
        Path decl = reviewsTaskFile("train: data/sst2/train.jsonl");
        Path unread = Files.createDirectories(tmp.resolve("unread"));
        CliRunner r = reviewsStats(decl, "--data", unread.toString());
        assertEquals(0, r.exitCode(), r.err());
        String header = r.out().lines().findFirst().orElseThrow();
        assertTrue(header.startsWith("task reviews from the files " + decl + " names "), header);
        assertFalse(header.contains(unread.toString()), header);
        CliRunner noData = reviewsStats(decl);
        assertEquals(0, noData.exitCode(), noData.err());
        assertEquals(r.out(), noData.out());
        CliRunner glue = CliRunner.run("data", "stats", "--task", "sst2", "--model", model.toString());
        assertEquals(2, glue.exitCode(), glue.err());
        assertTrue(glue.err().contains("missing --data: task sst2 is read from a data directory"), glue.err());
    }

    @Test
    void secondRunReadsTheCacheAndPrintsTheSameJson() {
        CliRunner first = stats("--json");
        CliRunner second = stats("--json");
        assertEquals(0, second.exitCode(), second.err());
        assertEquals(first.out(), second.out());
    }

    @Test
    void humanOutputIsATableWithLabelNames() {
        CliRunner r = stats();
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("task sst2 from " + data), r.out());
        assertEquals(List.of("split", "rows", "labels", "tokens", "mean", "p50", "p95", "max", "skipped"),
                List.of(lines[2].trim().split("\\s+")), r.out());
        assertEquals(List.of("train", "5", "negative", "2", "/", "positive", "3", "4.80", "5", "7", "7", "0"),
                List.of(lines[3].trim().split("\\s+")), r.out());
        assertEquals(List.of("validation", "20", "negative", "10", "/", "positive", "10", "12.50", "12", "21", "22", "0"),
                List.of(lines[4].trim().split("\\s+")), r.out());
        assertEquals(List.of("test", "2", "(unlabeled)", "4.00", "4", "4", "4", "0"),
                List.of(lines[5].trim().split("\\s+")), r.out());
        assertTrue(r.out().endsWith("padding efficiency on train (length-bucketed batches of 32): 0.6857\n"), r.out());
    }

    @Test
    void anEmptySplitHasNoLabelsRatherThanBeingUnlabeled() throws IOException {
        write("sst2/test.jsonl", List.of());
        CliRunner r = stats();
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("test", "0", "-", "-", "-", "-", "-", "0"), List.of(r.out().split("\n")[5].trim().split("\\s+")), r.out());
    }

    @Test
    void badRowStopsWithFileAndLineUnlessSkipped() throws IOException {
        Path train = data.resolve("sst2/train.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(train));
        lines.add(2, "{\"sentence\": \"a movie\", \"label\": 7}");
        lines.add(4, "{\"sentence\": ");
        Files.write(train, lines);

        CliRunner error = stats("--json");
        assertEquals(2, error.exitCode());
        assertEquals("", error.out());
        assertTrue(error.err().startsWith("mtl4j: error: " + train + ":3: "), error.err());
        assertEquals(1, error.err().lines().count(), error.err());

        CliRunner skip = stats("--json", "--on-bad-row", "skip");
        assertEquals(0, skip.exitCode(), skip.err());
        JsonNode trainStats = JSON.readTree(skip.out()).get("splits").get("train");
        assertEquals(5, trainStats.get("rows").asInt());
        assertEquals(2, trainStats.get("skipped").asInt());
        assertEquals(0, JSON.readTree(skip.out()).get("splits").get("validation").get("skipped").asInt());
        assertTrue(skip.err().contains("mtl4j: skipped 2 bad row(s) in train:"), skip.err());
        assertTrue(skip.err().contains("  " + train + ":3: "), skip.err());
        assertTrue(skip.err().contains("  " + train + ":5: "), skip.err());
    }

    @Test
    void unknownTaskIsAOneLineError() {
        CliRunner r = CliRunner.run("data", "stats", "--task", "nope", "--data", data.toString(),
                "--model", model.toString(), "--cache-dir", cache.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("mtl4j: error: unknown task 'nope' (known: cola, mnli"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void missingTrainSplitListsWhatWasLookedFor() throws IOException {
        Files.delete(data.resolve("sst2/train.jsonl"));
        CliRunner r = stats("--json");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("mtl4j: error: no file for task sst2 split train; looked for: "
                + data.resolve("sst2/train.jsonl") + ", " + data.resolve("sst2/train-NNNNN-of-NNNNN.parquet") + " (one file or shards)"
                + ", " + data.resolve("SST-2/train.tsv")), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void missingOptionalSplitIsLeftOut() throws IOException {
        Files.delete(data.resolve("sst2/test.jsonl"));
        CliRunner r = stats("--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("train", "validation"), fieldNames(JSON.readTree(r.out()).get("splits")));
    }

    @Test
    void aTrainSplitInParquetShardsIsReadWhole() throws IOException {
        String before = stats("--json").out();
        Files.delete(data.resolve("sst2/train.jsonl"));
        // The rows of writeFixtures' train split, in three shards as the hub publishes a large split.
        writeShard("sst2/train-00000-of-00003.parquet", new Object[][] {{"good", 1}, {"the movie is good", 1}});
        writeShard("sst2/train-00001-of-00003.parquet", new Object[][] {{"bad", 0}});
        writeShard("sst2/train-00002-of-00003.parquet", new Object[][] {{"the film was very boring", 0}, {"i liked it", 1}});
        CliRunner r = stats("--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(JSON.readTree(before), JSON.readTree(r.out()));
    }

    @Test
    void anOptionalSplitWithAShardMissingIsAnErrorNotLeftOut() throws IOException {
        Files.delete(data.resolve("sst2/test.jsonl"));
        writeShard("sst2/test-00000-of-00002.parquet", new Object[][] {{"a movie", -1}});
        CliRunner r = stats("--json");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: " + data.resolve("sst2") + ": split test is in 2 Parquet shards, but"
                + " test-00001-of-00002.parquet is missing"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    private void writeShard(String relative, Object[][] rows) throws IOException {
        Object[][] bytes = new Object[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            bytes[i] = new Object[] {((String) rows[i][0]).getBytes(StandardCharsets.UTF_8), rows[i][1]};
        }
        Files.createDirectories(data.resolve(relative).getParent());
        io.mtl4j.data.ParquetFixtures.writeSst2(data.resolve(relative), bytes);
    }

    @Test
    void missingDataDirectoryAndBadPolicyAreErrors() {
        CliRunner noDir = CliRunner.run("data", "stats", "--task", "sst2", "--data", tmp.resolve("absent").toString(),
                "--model", model.toString(), "--cache-dir", cache.toString());
        assertEquals(2, noDir.exitCode());
        assertTrue(noDir.err().startsWith("mtl4j: error: data directory " + tmp.resolve("absent") + " does not exist"),
                noDir.err());

        CliRunner badPolicy = stats("--on-bad-row", "ignore");
        assertEquals(2, badPolicy.exitCode());
        assertTrue(badPolicy.err().startsWith("mtl4j: error: bad-row policy must be 'error' or 'skip'"), badPolicy.err());
        assertFalse(Files.exists(cache), "nothing tokenized before the options are checked");
    }

    @Test
    void aDataRevisionIsForTheHubNotADirectory() {
        CliRunner r = stats("--data-revision", "v1.0");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--data-revision v1.0 names a revision of nyu-mll/glue on the hub; it applies to --data hub"),
                r.err());
        assertEquals(0, stats("--data-revision", "main").exitCode(), "main, the default, is no error");
    }

    private CliRunner stats(String... extra) {
        List<String> args = new ArrayList<>(List.of("data", "stats", "--task", "sst2", "--data", data.toString(),
                "--model", model.toString(), "--cache-dir", cache.toString()));
        args.addAll(List.of(extra));
        return CliRunner.run(args.toArray(String[]::new));
    }

    private void writeTrain(List<String> rows) throws IOException {
        write("sst2/train.jsonl", rows);
    }

    private void write(String relative, List<String> lines) throws IOException {
        Path file = data.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static String row(String sentence, int label) {
        return row(sentence, label, 0);
    }

    private static String row(String sentence, int label, int idx) {
        return "{\"sentence\": \"" + sentence + "\", \"label\": " + label + ", \"idx\": " + idx + "}";
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
