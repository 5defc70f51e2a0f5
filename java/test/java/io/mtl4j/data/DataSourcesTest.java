package io.mtl4j.data;

import io.mtl4j.hub.DownloadProgress;
import io.mtl4j.hub.Env;
import io.mtl4j.tasks.Metric;
import io.mtl4j.tasks.ProblemType;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourcesTest {
    @TempDir
    Path dir;

    private UserError refused(Path data) {
        return assertThrows(UserError.class, () -> DataSources.resolve(data.toString(), dir.resolve("cache"), Env.system(), DownloadProgress.none()));
    }

    @Test
    void saysWhetherTheDataPathIsMissingOrAFile() throws Exception {
        assertEquals("data directory " + dir.resolve("nope") + " does not exist (give a directory laid out as"
                + " DIR/<task>/<split>.jsonl, or 'hub')", refused(dir.resolve("nope")).getMessage());
        assertEquals("data directory no-such-glue does not exist (relative to the working directory " + Path.of("").toAbsolutePath()
                + ") (give a directory laid out as DIR/<task>/<split>.jsonl, or 'hub')", refused(Path.of("no-such-glue")).getMessage());
        Path file = Files.writeString(dir.resolve("train.jsonl"), "{}\n");
        assertTrue(refused(file).getMessage().startsWith("data directory " + file + " is a file"));
        assertTrue(DataSources.resolve(dir.toString(), dir.resolve("cache"), Env.system(), DownloadProgress.none()) instanceof SplitLocator);
    }

    @Test
    void aDataRevisionOtherThanMainIsForTheHubOnly() {
        UserError e = assertThrows(UserError.class,
                () -> DataSources.resolve(dir.toString(), "v1.0", dir.resolve("cache"), Env.system(), DownloadProgress.none()));
        assertEquals("--data-revision v1.0 names a revision of nyu-mll/glue on the hub; it applies to --data hub,"
                + " not to the directory " + dir, e.getMessage());
        assertTrue(DataSources.resolve(dir.toString(), "main", dir.resolve("cache"), Env.system(), DownloadProgress.none())
                instanceof SplitLocator);
    }

    @Test
    void withoutDataOnlyUserTasksAreReadAndAGlueTaskIsNamed() throws Exception {
        Path declared = Files.writeString(dir.resolve("reviews.csv"), "text,label\ngood,pos\n");
        TaskSpec reviews = new TaskSpec("reviews", List.of("text"), List.of("neg", "pos"), ProblemType.CLASSIFICATION,
                List.of(Metric.ACCURACY), Metric.ACCURACY, List.of("train"), "label", Map.of("train", declared));
        DataSource source = DataSources.forTasks(null, null, List.of(reviews), dir.resolve("cache"), Env.system(), DownloadProgress.none());
        assertEquals(declared, source.locate(reviews, "train").path());
        UserError e = assertThrows(UserError.class, () -> DataSources.forTasks(null, null,
                List.of(reviews, TaskRegistry.glue().get("sst2")), dir.resolve("cache"), Env.system(), DownloadProgress.none()));
        assertEquals("missing --data: task sst2 is read from a data directory; give --data DIR or --data hub", e.getMessage());
        assertTrue(DataSources.forTasks(dir.toString(), null, List.of(TaskRegistry.glue().get("sst2")), dir.resolve("cache"),
                Env.system(), DownloadProgress.none()) instanceof SplitLocator);
    }
}
