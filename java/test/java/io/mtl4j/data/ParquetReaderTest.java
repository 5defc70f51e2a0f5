package io.mtl4j.data;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

class ParquetReaderTest {
    @TempDir
    Path dir;
    final TaskSpec sst2 = TaskRegistry.glue().get("sst2");

    @Test
    void aTestSplitsRowsKeepTheirIdxForTheSubmissionFile() throws Exception {
        Path file = dir.resolve("sst2/test-00000-of-00001.parquet");
        Files.createDirectories(file.getParent());
        ParquetFixtures.writeSst2(file, new Object[][] {{"a".getBytes(UTF_8), -1}, {"b".getBytes(UTF_8), -1}});
        SplitData data = SplitLoader.load(new SplitLocator(dir), sst2, "test", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("a", null, -1, Float.NaN, 1, 0), new Example("b", null, -1, Float.NaN, 2, 1)),
                data.examples());
    }

    @Test
    void readsHubLayoutParquet() throws Exception {
        Path file = dir.resolve("sst2/train-00000-of-00001.parquet");
        Files.createDirectories(file.getParent());
        ParquetFixtures.writeSst2(file, new Object[][] {
            {"a fine film".getBytes(UTF_8), 1}, {"dull , dull".getBytes(UTF_8), 0}, {"héllo".getBytes(UTF_8), 1}});
        SplitData data = SplitLoader.load(new SplitLocator(dir), sst2, "train", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("a fine film", null, 1, Float.NaN, 1),
                new Example("dull , dull", null, 0, Float.NaN, 2),
                new Example("héllo", null, 1, Float.NaN, 3)), data.examples());
    }

    @ParameterizedTest
    @EnumSource(value = CompressionCodecName.class, names = {"SNAPPY", "ZSTD", "GZIP", "LZ4_RAW"})
    void readsCompressedFilesWithoutAHadoopRuntime(CompressionCodecName codec) throws Exception {
        Path file = dir.resolve("sst2/validation-00000-of-00001.parquet");
        Files.createDirectories(file.getParent());
        Object[][] rows = new Object[1000][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {("sentence " + (i % 37)).getBytes(UTF_8), i % 2};
        }
        ParquetFixtures.writeSst2(file, rows, codec);
        SplitData data = SplitLoader.load(new SplitLocator(dir), sst2, "validation", BadRowPolicy.ERROR);
        assertEquals(1000, data.examples().size());
        assertEquals(new Example("sentence 3", null, 0, Float.NaN, 41), data.examples().get(40));
        assertEquals(new Example("sentence 4", null, 1, Float.NaN, 42), data.examples().get(41));
        try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(new org.apache.parquet.io.LocalInputFile(file),
                org.apache.parquet.ParquetReadOptions.builder(new org.apache.parquet.conf.PlainParquetConfiguration())
                        .withCodecFactory(new ParquetCodecs()).build())) {
            assertEquals(codec, reader.getFooter().getBlocks().get(0).getColumns().get(0).getCodec(), "file really is compressed");
        }
    }

    @Test
    void badRowsNameTheRowAndAreCountedWhenSkipped() throws Exception {
        Path file = dir.resolve("sst2/train-00000-of-00001.parquet");
        Files.createDirectories(file.getParent());
        ParquetFixtures.writeSst2(file, new Object[][] {
            {"ok".getBytes(UTF_8), 1}, {new byte[] {'b', (byte) 0xC3, '('}, 0}, {"ok too".getBytes(UTF_8), 7},
            {null, 0}, {"fine".getBytes(UTF_8), 0}});
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), sst2, "train", BadRowPolicy.ERROR));
        assertEquals(file + ":2: invalid UTF-8 in column 'sentence'", e.getMessage());

        SplitData data = SplitLoader.load(new SplitLocator(dir), sst2, "train", BadRowPolicy.SKIP);
        assertEquals(2, data.examples().size());
        assertEquals(3, data.skipped().count());
        assertTrue(data.skipped().first().get(1).startsWith(file + ":3: unknown label '7'"), data.skipped().first().get(1));
        assertEquals(file + ":4: missing text field 'sentence'", data.skipped().first().get(2));
    }

    @Test
    void testSplitWithLabelMinusOneIsUnlabeled() throws Exception {
        Path file = dir.resolve("sst2/test-00000-of-00001.parquet");
        Files.createDirectories(file.getParent());
        ParquetFixtures.writeSst2(file, new Object[][] {{"x".getBytes(UTF_8), -1}});
        SplitData data = SplitLoader.load(new SplitLocator(dir), sst2, "test", BadRowPolicy.ERROR);
        assertEquals(-1, data.examples().get(0).label());
        assertEquals(false, data.examples().get(0).isLabeled());
    }

    @Test
    void notParquetIsAClearError() throws Exception {
        Path file = dir.resolve("sst2/train-00000-of-00001.parquet");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "this is not parquet at all, just some text");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), sst2, "train", BadRowPolicy.ERROR));
        assertTrue(e.getMessage().startsWith(file + ": cannot read Parquet file"), e.getMessage());
    }

    @Test
    void missingColumnIsNamed() throws Exception {
        Path file = dir.resolve("x.parquet");
        ParquetFixtures.writeSst2(file, new Object[][] {{"x".getBytes(UTF_8), 1}});
        TaskSpec mrpc = TaskRegistry.glue().get("mrpc");
        UserError e = assertThrows(UserError.class, () -> SplitLoader.read(
                new SplitFile(file, DataFormat.PARQUET), mrpc, "train", BadRowPolicy.ERROR));
        assertEquals(file + ": no column 'sentence1' (columns: sentence, label, idx)", e.getMessage());
    }
}
