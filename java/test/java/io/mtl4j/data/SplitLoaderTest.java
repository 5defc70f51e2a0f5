package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitLoaderTest {
    @TempDir
    Path dir;
    final TaskSpec sst2 = TaskRegistry.glue().get("sst2");

    @Test
    void theHashKeptIsThatOfTheBytesRead() throws Exception {
        Path file = Files.writeString(dir.resolve("train.jsonl"), "{\"sentence\": \"a\", \"label\": 1, \"idx\": 0}\n");
        String read = Hashing.sha256Hex(file);
        SplitData data = SplitLoader.read(new SplitFile(file, DataFormat.JSONL), sst2, "train", BadRowPolicy.ERROR);
        Files.writeString(file, "{\"sentence\": \"b\", \"label\": 0, \"idx\": 0}\n");
        assertEquals(read, data.fileSha256(), "the hash of what was read, even once the file has changed");
    }

    @Test
    void aFileReplacedWhileItIsReadIsAnErrorNotExamplesUnderAnotherHash() throws Exception {
        // Hashed after reading, the token cache and the run's provenance recorded the new file's hash
        // for the old file's examples: the next run then took the stale tokenization for the new data.
        Path file = Files.writeString(dir.resolve("train.jsonl"), "{\"sentence\": \"a\", \"label\": 1, \"idx\": 0}\n");
        SplitReader replacedMidway = (path, task, split, errors) -> {
            var examples = new JsonlReader().read(path, task, split, errors);
            Files.writeString(path, "{\"sentence\": \"b\", \"label\": 0, \"idx\": 0}\n");
            return examples;
        };
        UserError e = assertThrows(UserError.class, () -> SplitLoader.read(new SplitFile(file, DataFormat.JSONL), sst2,
                "train", BadRowPolicy.ERROR, replacedMidway));
        assertTrue(e.getMessage().startsWith(file + ": changed while it was being read"), e.getMessage());
    }

    @Test
    void aMissingFileIsStillNamedAsNotFound() {
        Path file = dir.resolve("train.jsonl");
        UserError e = assertThrows(UserError.class, () -> SplitLoader.read(new SplitFile(file, DataFormat.JSONL), sst2,
                "train", BadRowPolicy.ERROR));
        assertEquals(file + ": file not found", e.getMessage());
    }

    @Test
    void aTestRowIndexGivenTwiceIsABadRowNotTwoSubmissionRowsUnderOneIndex() throws Exception {
        // predict --glue-submission keys its rows by idx: a repeated one wrote a submission with one index twice
        // (and another row's missing), which the leaderboard rejects or mis-scores.
        Path jsonl = Files.writeString(dir.resolve("test.jsonl"), "{\"sentence\": \"a\", \"label\": -1, \"idx\": 0}\n"
                + "{\"sentence\": \"b\", \"label\": -1, \"idx\": 1}\n{\"sentence\": \"c\", \"label\": -1, \"idx\": 0}\n");
        UserError e = assertThrows(UserError.class, () -> SplitLoader.read(new SplitFile(jsonl, DataFormat.JSONL), sst2,
                "test", BadRowPolicy.ERROR));
        assertEquals(jsonl + ":3: index 0 is also that of line 1 (a test row's idx/index must be unique:"
                + " GLUE submissions are keyed by it)", e.getMessage());
        SplitData skipped = SplitLoader.read(new SplitFile(jsonl, DataFormat.JSONL), sst2, "test", BadRowPolicy.SKIP);
        assertEquals(2, skipped.examples().size());
        assertEquals(1, skipped.skipped().count());
        Path tsv = Files.writeString(dir.resolve("test.tsv"), "index\tsentence\n7\ta\n7\tb\n");
        UserError t = assertThrows(UserError.class, () -> SplitLoader.read(new SplitFile(tsv, DataFormat.TSV), sst2,
                "test", BadRowPolicy.ERROR));
        assertTrue(t.getMessage().startsWith(tsv + ":3: index 7 is also that of line 2"), t.getMessage());
        // labeled splits carry no index: the same idx twice there is nobody's concern
        Path train = Files.writeString(dir.resolve("train.jsonl"), "{\"sentence\": \"a\", \"label\": 1, \"idx\": 0}\n"
                + "{\"sentence\": \"b\", \"label\": 0, \"idx\": 0}\n");
        assertEquals(2, SplitLoader.read(new SplitFile(train, DataFormat.JSONL), sst2, "train", BadRowPolicy.ERROR)
                .examples().size());
    }
}
