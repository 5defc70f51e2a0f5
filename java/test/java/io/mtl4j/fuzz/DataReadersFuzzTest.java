package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.DataFormat;
import io.mtl4j.data.Example;
import io.mtl4j.data.SplitData;
import io.mtl4j.data.SplitFile;
import io.mtl4j.data.SplitLoader;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The split readers ({@link SplitLoader#read}) on arbitrary file contents, each input read under
 * both bad-row policies.
 *
 * <p>Input layout: the first byte picks the task and split ({@code byte % 27}: task
 * {@code TASKS[n / 3]}, split {@code SPLITS[n % 3]}), the rest is the file. E.g. 0x03 = sst2
 * train, 0x0c = stsb train, 0x11 = mnli test.
 *
 * <p>Besides "only {@link UserError}", the two policies must agree: {@code skip} that skipped
 * nothing must give what {@code error} gives, and a row {@code skip} skipped must make
 * {@code error} stop with the same {@code file:line: reason} as the first one skipped.
 */
class DataReadersFuzzTest {
    static final List<String> TASKS = List.of("cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "qnli", "rte", "wnli");
    static final List<String> SPLITS = List.of("train", "validation", "test");
    private static final TaskRegistry GLUE = TaskRegistry.glue();

    @FuzzTest
    void jsonl(byte[] data) {
        readBothPolicies(data, DataFormat.JSONL, "train.jsonl");
    }

    @FuzzTest
    void glueTsv(byte[] data) {
        readBothPolicies(data, DataFormat.GLUE_TSV, "train.tsv");
    }

    @FuzzTest
    void tsv(byte[] data) {
        readBothPolicies(data, DataFormat.TSV, "train.tsv");
    }

    @FuzzTest
    void csv(byte[] data) {
        readBothPolicies(data, DataFormat.CSV, "train.csv");
    }

    @FuzzTest
    void parquet(byte[] data) {
        readBothPolicies(data, DataFormat.PARQUET, "train-00000-of-00001.parquet");
    }

    private static void readBothPolicies(byte[] data, DataFormat format, String name) {
        if (data.length == 0) {
            return;
        }
        int n = (data[0] & 0xff) % (TASKS.size() * SPLITS.size());
        TaskSpec task = GLUE.get(TASKS.get(n / SPLITS.size()));
        String split = SPLITS.get(n % SPLITS.size());
        Path file = FuzzFiles.write(FuzzFiles.dir("data"), name, Arrays.copyOfRange(data, 1, data.length));
        SplitFile splitFile = new SplitFile(file, format);

        SplitData skipped;
        try {
            skipped = SplitLoader.read(splitFile, task, split, BadRowPolicy.SKIP);
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, file);
            // A problem with the whole file is an error under either policy. (Messages are not
            // compared: parquet-mr's Thrift errors carry an object's identity hash.)
            UserError strict = expectUserError(() -> SplitLoader.read(splitFile, task, split, BadRowPolicy.ERROR));
            FuzzFiles.checkUserError(strict, file);
            return;
        }
        for (Example ex : skipped.examples()) {
            checkExample(ex, task, split);
        }
        if (skipped.skipped().count() == 0) {
            SplitData strict = SplitLoader.read(splitFile, task, split, BadRowPolicy.ERROR);
            assertEquals(skipped.examples(), strict.examples());
        } else {
            UserError strict = expectUserError(() -> SplitLoader.read(splitFile, task, split, BadRowPolicy.ERROR));
            FuzzFiles.checkUserError(strict, file);
            assertEquals(skipped.skipped().first().get(0), strict.getMessage());
        }
    }

    /** What later stages (tokenizer, batcher, metrics) rely on for every row a reader returns. */
    private static void checkExample(Example ex, TaskSpec task, String split) {
        assertNotNull(ex.textA());
        assertTrue(!ex.textA().isBlank(), ex.toString());
        assertEquals(task.isPair(), ex.textB() != null, ex.toString());
        assertTrue(ex.textB() == null || !ex.textB().isBlank(), ex.toString());
        assertTrue(ex.line() >= 1, ex.toString());
        if (task.isRegression()) {
            assertEquals(Example.UNLABELED, ex.label(), ex.toString());
            assertTrue(Float.isNaN(ex.score()) || Float.isFinite(ex.score()), ex.toString());
        } else {
            assertTrue(ex.label() >= Example.UNLABELED && ex.label() < task.numLabels(), ex.toString());
            assertTrue(Float.isNaN(ex.score()), ex.toString());
        }
        if (TaskSpec.isLabeledSplit(split)) {
            assertTrue(ex.isLabeled(), ex.toString());
        }
    }

    private static UserError expectUserError(Runnable read) {
        try {
            read.run();
        } catch (UserError e) {
            return e;
        }
        return fail("the error policy accepted a file that the skip policy rejected or skipped rows of");
    }
}
