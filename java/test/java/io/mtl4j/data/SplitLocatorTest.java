package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitLocatorTest {
    @TempDir
    Path dir;
    final TaskSpec mnli = TaskRegistry.glue().get("mnli");

    @Test
    void missingFileListsEveryPathLookedFor() {
        UserError e = assertThrows(UserError.class, () -> new SplitLocator(dir).locate(mnli, "validation_matched"));
        assertEquals("no file for task mnli split validation_matched; looked for: "
                + dir.resolve("mnli/validation_matched.jsonl") + ", "
                + dir.resolve("mnli/validation_matched-NNNNN-of-NNNNN.parquet") + " (one file or shards), "
                + dir.resolve("MNLI/dev_matched.tsv") + ", "
                + dir.resolve("mnli/validation_matched.csv"), e.getMessage());
    }

    /** A task file may name any path: one that is a directory says so rather than "no file ... looked for" it. */
    @Test
    void aTaskFilesSplitThatIsADirectorySaysSo() throws Exception {
        Path reviews = Files.createDirectories(dir.resolve("reviews/train.jsonl"));
        Path taskFile = Files.writeString(dir.resolve("tasks.yaml"), """
                tasks:
                  - name: rev
                    text_fields: [text]
                    labels: [neg, pos]
                    files:
                      train: reviews/train.jsonl
                """);
        TaskSpec rev = TaskRegistry.glue().withTasksFrom(taskFile).get("rev");
        UserError e = assertThrows(UserError.class, () -> new SplitLocator(dir).locate(rev, "train"));
        assertEquals(reviews + ": a directory, not a data file (task rev, split train)", e.getMessage());
    }

    @Test
    void unknownSplitNamesTheSplitsAndGlueAlias() {
        UserError e = assertThrows(UserError.class, () -> new SplitLocator(dir).locate(mnli, "dev_matched"));
        assertEquals("task mnli has no split 'dev_matched' (GLUE's 'dev_matched' is called 'validation_matched'); "
                + "splits: train, validation_matched, validation_mismatched, test_matched, test_mismatched",
                e.getMessage());
    }

    @Test
    void jsonlWinsOverTsvAndTsvIsFound() throws Exception {
        Files.createDirectories(dir.resolve("MNLI"));
        Files.writeString(dir.resolve("MNLI/dev_matched.tsv"), "x");
        assertEquals(new SplitFile(dir.resolve("MNLI/dev_matched.tsv"), DataFormat.GLUE_TSV),
                new SplitLocator(dir).locate(mnli, "validation_matched"));
        Files.createDirectories(dir.resolve("mnli"));
        Files.writeString(dir.resolve("mnli/validation_matched.jsonl"), "x");
        assertEquals(DataFormat.JSONL, new SplitLocator(dir).locate(mnli, "validation_matched").format());
    }

    @Test
    void glueDiagnosticIsReadFromDownloadGlueDataLayout() throws Exception {
        TaskSpec ax = TaskRegistry.glueDiagnostic();
        Files.createDirectories(dir.resolve("diagnostic"));
        Files.writeString(dir.resolve("diagnostic/diagnostic.tsv"),
                "index\tsentence1\tsentence2\n0\tThe cat sat.\tA cat sat.\n1\tNo dog ran.\tA dog ran.\n");
        SplitData d = SplitLoader.load(new SplitLocator(dir), ax, "test", BadRowPolicy.ERROR);
        assertEquals(dir.resolve("diagnostic/diagnostic.tsv"), d.file());
        assertEquals(2, d.examples().size());
        assertEquals("No dog ran.", d.examples().get(1).textA());
        assertEquals("A dog ran.", d.examples().get(1).textB());
        assertEquals(Example.UNLABELED, d.examples().get(1).label());
        Files.createDirectories(dir.resolve("ax"));
        Files.writeString(dir.resolve("ax/test.jsonl"), "x");
        assertEquals(new SplitFile(dir.resolve("ax/test.jsonl"), DataFormat.JSONL), new SplitLocator(dir).locate(ax, "test"));
    }

    @Test
    void hubSourceFetchesOnceIntoParquetLayout() throws Exception {
        int[] calls = {0};
        String commit = "4".repeat(40);
        HubFetcher fake = (task, split) -> {
            calls[0]++;
            return new HubFetcher.Fetched() {
                @Override
                public String commit() {
                    return commit;
                }

                @Override
                public void placeIn(java.nio.file.Path dir) throws java.io.IOException {
                    Files.createDirectories(dir);
                    ParquetFixtures.writeSst2(dir.resolve(split + "-00000-of-00001.parquet"),
                            new Object[][] {{"good".getBytes(), 1}});
                }
            };
        };
        HubDataSource hub = new HubDataSource(fake, dir.resolve("hub"));
        TaskSpec sst2 = TaskRegistry.glue().get("sst2");
        SplitData d = SplitLoader.load(hub, sst2, "validation", BadRowPolicy.ERROR);
        assertEquals(1, d.examples().size());
        assertEquals(dir.resolve("hub/" + commit + "/sst2/validation-00000-of-00001.parquet"), d.file());
        SplitLoader.load(hub, sst2, "validation", BadRowPolicy.ERROR);
        assertEquals(1, calls[0]);
    }
}
