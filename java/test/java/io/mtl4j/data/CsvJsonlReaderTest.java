package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvJsonlReaderTest {
    @TempDir
    Path dir;
    final TaskRegistry glue = TaskRegistry.glue();

    private Path write(String rel, String content) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    @Test
    void jsonlInHfSchema() throws IOException {
        write("mnli/validation_matched.jsonl",
                "{\"premise\": \"P \\\"q\\\"\", \"hypothesis\": \"H\", \"label\": 2, \"idx\": 0}\n\n"
                        + "{\"premise\": \"P2\", \"hypothesis\": \"H2\", \"label\": \"neutral\", \"idx\": 1}\n");
        SplitData d = SplitLoader.load(new SplitLocator(dir), glue.get("mnli"), "validation_matched", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("P \"q\"", "H", 2, Float.NaN, 1), new Example("P2", "H2", 1, Float.NaN, 3)),
                d.examples());
    }

    @Test
    void jsonlBadRows() throws IOException {
        Path f = write("qqp/train.jsonl", String.join("\n",
                "{\"question1\": \"a\", \"question2\": \"b\", \"label\": 1}",
                "{\"question1\": \"a\", \"label\": 1}",
                "{\"question1\": \"a\", \"question2\": \"b\", \"label\": 2}",
                "{\"question1\": \"a\", \"question2\": \"b\", \"label\": 1",
                "[1]",
                "{\"question1\": 3, \"question2\": \"b\", \"label\": 0}",
                "{\"question1\": \"a\", \"question2\": \"\", \"label\": 0}",
                "{\"question1\": \"a\", \"question2\": \"b\", \"label\": 1.5}",
                "{\"question1\": \"a\", \"question2\": \"b\"}") + "\n");
        TaskSpec qqp = glue.get("qqp");
        UserError e = assertThrows(UserError.class, () -> SplitLoader.load(new SplitLocator(dir), qqp, "train", BadRowPolicy.ERROR));
        assertEquals(f + ":2: missing text field 'question2'", e.getMessage());
        SplitData d = SplitLoader.load(new SplitLocator(dir), qqp, "train", BadRowPolicy.SKIP);
        assertEquals(1, d.examples().size());
        assertEquals(8, d.skipped().count());
        assertEquals(RowErrors.KEEP, d.skipped().first().size());
        assertEquals(f + ":4: invalid JSON at column 48: Unexpected end-of-input: expected close marker for Object",
                d.skipped().first().get(2), "Jackson's words without its [Source: ...] blocks");
        assertEquals(f + ":5: expected a JSON object", d.skipped().first().get(3));
        assertEquals(f + ":6: field 'question1' is not a string", d.skipped().first().get(4));
    }

    @Test
    void jsonlDuplicateKeyIsABadRowNotLastOneWins() throws IOException {
        Path f = write("sst2/train.jsonl", String.join("\n",
                "{\"sentence\": \"fine\", \"label\": 1}",
                "{\"sentence\": \"good\", \"label\": 1, \"label\": 0}",
                "{\"sentence\": \"a\", \"sentence\": \"b\", \"label\": 1}",
                "{\"sentence\": \"c\", \"label\": 1, \"meta\": {\"x\": 1, \"x\": 2}}",
                "{\"sentence\": \"d\", \"label\": 0, \"meta\": {\"label\": 1}}") + "\n");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR));
        assertEquals(f + ":2: duplicate key 'label' at column 34", e.getMessage());
        SplitData d = SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.SKIP);
        assertEquals(List.of(new Example("fine", null, 1, Float.NaN, 1), new Example("d", null, 0, Float.NaN, 5)),
                d.examples());
        assertEquals(List.of(f + ":2: duplicate key 'label' at column 34", f + ":3: duplicate key 'sentence' at column 19",
                f + ":4: duplicate key 'x' at column 48"), d.skipped().first());
    }

    @Test
    void twoJsonObjectsOnOneLineAreABadRowNotTheFirstAlone() throws IOException {
        // cat a.jsonl b.jsonl, with a.jsonl lacking its last line break: the second row was silently dropped.
        Path f = write("sst2/train.jsonl", "{\"sentence\": \"a\", \"label\": 1}{\"sentence\": \"b\", \"label\": 0}\n"
                + "{\"sentence\": \"c\", \"label\": 1} x\n{\"sentence\": \"d\", \"label\": 0}\n");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR));
        assertEquals(f + ":1: invalid JSON at column 30: more than one JSON value (a missing line break?)", e.getMessage());
        SplitData d = SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.SKIP);
        assertEquals(List.of(new Example("d", null, 0, Float.NaN, 3)), d.examples());
        assertEquals(2, d.skipped().count());
    }

    @Test
    void jsonlLabelBeyondLongIsUnknownNotWrappedAround() throws IOException {
        // 2^64 + 1 as a long is 1: it used to be read as label 1 ("positive").
        Path f = write("sst2/train.jsonl", "{\"sentence\": \"a\", \"label\": 18446744073709551617}\n");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR));
        assertTrue(e.getMessage().startsWith(f + ":1: unknown label '1.8446744073709552E19'"), e.getMessage());
    }

    @Test
    void jsonlInvalidUtf8() throws IOException {
        Path f = dir.resolve("sst2/train.jsonl");
        Files.createDirectories(f.getParent());
        byte[] ok = "{\"sentence\": \"ok\", \"label\": 1}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = "{\"sentence\": \"o\u00e9\", \"label\": 1}\n".getBytes(StandardCharsets.UTF_8);
        bad[15] = (byte) 0xC3;
        bad[16] = (byte) 0x28; // 0xC3 followed by a non-continuation byte
        Files.write(f, TsvReaderTest.concat(ok, bad));
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR));
        assertEquals(f + ":2: invalid UTF-8 (byte 16 of the line)", e.getMessage());
    }

    /** A compressed file under a plain name (train.jsonl that is really train.jsonl.gz) is named as such, not as bad UTF-8. */
    @Test
    void aCompressedFileSaysSo() throws IOException {
        Path f = dir.resolve("sst2/train.jsonl");
        Files.createDirectories(f.getParent());
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write("{\"sentence\": \"ok\", \"label\": 1}\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(f, gz.toByteArray());
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.SKIP));
        assertEquals(f + ": gzip-compressed; mtl4j reads it uncompressed: gunzip it first", e.getMessage());
    }

    @Test
    void csvWithRfc4180Quoting() throws IOException {
        write("mrpc/train.csv", "\uFEFFsentence1,sentence2,label\r\n"
                + "\"He said, \"\"hi\"\"\",plain,1\r\n"
                + "\"two\nlines\",b,not_equivalent\r\n"
                + "c,d,0\r\n");
        SplitData d = SplitLoader.load(new SplitLocator(dir), glue.get("mrpc"), "train", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("He said, \"hi\"", "plain", 1, Float.NaN, 2),
                new Example("two\nlines", "b", 0, Float.NaN, 3),
                new Example("c", "d", 0, Float.NaN, 5)), d.examples());
    }

    @Test
    void csvBadRecords() throws IOException {
        Path f = write("sst2/train.csv", "label,sentence\n1,fine\n1,bad\"quote\n0,\"closed\"junk\n1,too,many\n0,\"never closed\n1,x\n");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR));
        assertEquals(f + ":3: quote inside an unquoted field (column 2)", e.getMessage());
        SplitData d = SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.SKIP);
        assertEquals(1, d.examples().size());
        assertEquals(List.of(f + ":3: quote inside an unquoted field (column 2)",
                f + ":4: text after a closing quote (column 2)",
                f + ":5: expected 2 fields, found 3",
                f + ":6: unterminated quoted field"), d.skipped().first());
    }

    @Test
    void anIntegralDecimalLabelIsTheSameIdInTextAsInJson() throws IOException {
        // pandas writes an integer column holding a gap as 1.0: JSON's 1.0 was id 1, CSV's "1.0" a bad row.
        write("sst2/train.jsonl", "{\"sentence\": \"a\", \"label\": 1.0}\n{\"sentence\": \"b\", \"label\": \"0.0\"}\n");
        write("sst2/validation.csv", "sentence,label\na,1.0\nb,0.0\nc,1e0\n");
        TaskSpec sst2 = glue.get("sst2");
        assertEquals(List.of(1, 0), SplitLoader.load(new SplitLocator(dir), sst2, "train", BadRowPolicy.ERROR)
                .examples().stream().map(Example::label).toList());
        assertEquals(List.of(1, 0, 1), SplitLoader.load(new SplitLocator(dir), sst2, "validation", BadRowPolicy.ERROR)
                .examples().stream().map(Example::label).toList());
        Path half = write("sst2/test.csv", "sentence,label\na,0.5\n");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), sst2, "test", BadRowPolicy.ERROR));
        assertTrue(e.getMessage().startsWith(half + ":2: unknown label '0.5'"), e.getMessage());
    }

    @Test
    void aLineBreakInAValueIsShownEscapedSoTheErrorStaysOneLine() throws IOException {
        Path csv = write("sst2/train.csv", "sentence,label\nfine,\"po\r\ns\"\n");
        UserError label = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR));
        assertEquals(csv + ":2: unknown label 'po\\ns' for task sst2 (labels: 0 negative, 1 positive)", label.getMessage());
        SplitData skipped = SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.SKIP);
        assertEquals(List.of(label.getMessage()), skipped.skipped().first());
        write("sst2/train.csv", "\"sen\ntence\",label\nfine,1\n");
        UserError header = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR));
        assertEquals(csv + ":1: header has no column 'sentence' (columns: sen\\ntence, label)", header.getMessage());
        Path jsonl = write("stsb/train.jsonl", "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"label\": \"3\\n5\"}\n");
        UserError score = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("stsb"), "train", BadRowPolicy.ERROR));
        assertEquals(jsonl + ":1: regression label '3\\n5' is not a number", score.getMessage());
    }

    @Test
    void csvHeaderMissingColumn() throws IOException {
        Path f = write("sst2/train.csv", "text,label\nx,1\n");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.SKIP));
        assertEquals(f + ":1: header has no column 'sentence' (columns: text, label)", e.getMessage());
    }

    @Test
    void userTaskTsvAndJsonlWithOwnColumns() throws IOException {
        Path decl = write("tasks.yaml", "tasks:\n  - name: nli\n    text_fields: [p, h]\n    labels: [yes, no]\n"
                + "    label_field: gold\n    files: {train: nli.tsv, test: nli-test.jsonl}\n");
        write("nli.tsv", "gold\tp\th\nno\tA \"quoted\" premise\tB\n");
        write("nli-test.jsonl", "{\"p\": \"x\", \"h\": \"y\"}\n");
        TaskSpec nli = glue.withTasksFrom(decl).get("nli");
        SplitData train = SplitLoader.load(new SplitLocator(dir), nli, "train", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("A \"quoted\" premise", "B", 1, Float.NaN, 2)), train.examples());
        SplitData test = SplitLoader.load(new SplitLocator(dir), nli, "test", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("x", "y", -1, Float.NaN, 1)), test.examples());
    }

    @Test
    void aDuplicateColumnInAHeadedTsvOrCsvIsAnError() throws IOException {
        Path decl = write("tasks.yaml", "tasks:\n  - name: senti\n    text_fields: [text]\n    labels: [neg, pos]\n"
                + "    files: {train: s.tsv, validation: s.csv}\n");
        Path tsv = write("s.tsv", "text\tlabel\tlabel\ngood\tpos\tneg\n");
        Path csv = write("s.csv", "label,text,text\npos,good,bad\n");
        TaskSpec senti = glue.withTasksFrom(decl).get("senti");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), senti, "train", BadRowPolicy.SKIP));
        assertEquals(tsv + ":1: duplicate column 'label' in header (columns: text, label, label)", e.getMessage());
        e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), senti, "validation", BadRowPolicy.SKIP));
        assertEquals(csv + ":1: duplicate column 'text' in header (columns: label, text, text)", e.getMessage());
    }

    @Test
    void numericLabelNamesMapByNameInEveryFormat() throws IOException {
        // A JSON or Parquet number used to be an id: "label": 1 was class "2", and 5 was out of range.
        Path decl = write("tasks.yaml", "tasks:\n  - name: stars\n    text_fields: [sentence]\n    labels: [1, 2, 3, 4, 5]\n"
                + "    files: {train: s.jsonl, validation: s.csv, extra: s.tsv, dev2: s.parquet}\n");
        Path jsonl = write("s.jsonl", "{\"sentence\": \"a\", \"label\": 1}\n{\"sentence\": \"b\", \"label\": 3.0}\n"
                + "{\"sentence\": \"c\", \"label\": \"5\"}\n");
        write("s.csv", "sentence,label\na,1\nb,3.0\nc,5\n");
        write("s.tsv", "sentence\tlabel\na\t1\nb\t3\nc\t5\n");
        ParquetFixtures.writeSst2(dir.resolve("s.parquet"), new Object[][] {
            {"a".getBytes(StandardCharsets.UTF_8), 1}, {"b".getBytes(StandardCharsets.UTF_8), 3},
            {"c".getBytes(StandardCharsets.UTF_8), 5}});
        TaskSpec stars = glue.withTasksFrom(decl).get("stars");
        for (String split : List.of("train", "validation", "extra", "dev2")) {
            SplitData d = SplitLoader.load(new SplitLocator(dir), stars, split, BadRowPolicy.ERROR);
            assertEquals(List.of(0, 2, 4), d.examples().stream().map(Example::label).toList(), split);
        }
        write("s.jsonl", "{\"sentence\": \"a\", \"label\": 0}\n");
        UserError e = assertThrows(UserError.class,
                () -> SplitLoader.load(new SplitLocator(dir), stars, "train", BadRowPolicy.ERROR));
        assertEquals(jsonl + ":1: unknown label '0' for task stars (labels: 1, 2, 3, 4, 5; the label names are numbers,"
                + " so a number is a name, never an id)", e.getMessage());
    }

    @Test
    void gluesWordLabelNamesStillTakeIdsFromNumbers() throws IOException {
        write("sst2/train.jsonl", "{\"sentence\": \"a\", \"label\": 1}\n{\"sentence\": \"b\", \"label\": 0.0}\n"
                + "{\"sentence\": \"c\", \"label\": \"1\"}\n{\"sentence\": \"d\", \"label\": \"negative\"}\n");
        SplitData d = SplitLoader.load(new SplitLocator(dir), glue.get("sst2"), "train", BadRowPolicy.ERROR);
        assertEquals(List.of(1, 0, 1, 0), d.examples().stream().map(Example::label).toList());
    }

    @Test
    void aDeclaredLabelNameMinusOneIsThatLabelExceptInATestSplit() throws IOException {
        // It used to be read as "unlabeled" everywhere: a bad row in train, so the class vanished under skip.
        Path decl = write("tasks.yaml", "tasks:\n  - name: polarity\n    text_fields: [text]\n    labels: [-1, 0, 1]\n"
                + "    files: {train: p.jsonl, validation: p.csv, test: p-test.jsonl}\n");
        write("p.jsonl", "{\"text\": \"awful\", \"label\": -1}\n{\"text\": \"meh\", \"label\": 0}\n"
                + "{\"text\": \"fine\", \"label\": 1}\n");
        write("p.csv", "text,label\nawful,-1\nfine,1\n");
        write("p-test.jsonl", "{\"text\": \"awful\", \"label\": -1}\n{\"text\": \"meh\"}\n");
        TaskSpec polarity = glue.withTasksFrom(decl).get("polarity");
        SplitData train = SplitLoader.load(new SplitLocator(dir), polarity, "train", BadRowPolicy.ERROR);
        assertEquals(List.of(0, 1, 2), train.examples().stream().map(Example::label).toList());
        SplitData dev = SplitLoader.load(new SplitLocator(dir), polarity, "validation", BadRowPolicy.ERROR);
        assertEquals(List.of(0, 2), dev.examples().stream().map(Example::label).toList());
        SplitData test = SplitLoader.load(new SplitLocator(dir), polarity, "test", BadRowPolicy.ERROR);
        assertEquals(List.of(Example.UNLABELED, Example.UNLABELED), test.examples().stream().map(Example::label).toList());
    }

    @Test
    void aRegressionTargetOfMinusOneIsALabelExceptInATestSplit() throws IOException {
        Path decl = write("tasks.yaml", "tasks:\n  - name: polarity\n    text_fields: [text]\n    regression: true\n"
                + "    label_field: score\n    files: {train: p.jsonl, test: p-test.csv}\n");
        write("p.jsonl", "{\"text\": \"awful\", \"score\": -1.0}\n{\"text\": \"fine\", \"score\": 0.5}\n");
        write("p-test.csv", "text,score\nmeh,-1\n");
        TaskSpec polarity = glue.withTasksFrom(decl).get("polarity");
        SplitData train = SplitLoader.load(new SplitLocator(dir), polarity, "train", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("awful", null, -1, -1f, 1), new Example("fine", null, -1, 0.5f, 2)), train.examples());
        SplitData test = SplitLoader.load(new SplitLocator(dir), polarity, "test", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("meh", null, -1, Float.NaN, 2)), test.examples());
    }
}
