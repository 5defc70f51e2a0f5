package io.mtl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The original GLUE TSV layouts and their quirks, on fixtures written here. */
class TsvReaderTest {
    @TempDir
    Path dir;
    final TaskRegistry glue = TaskRegistry.glue();

    private Path write(String rel, String... lines) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    private SplitData load(String task, String split, BadRowPolicy policy) {
        return SplitLoader.load(new SplitLocator(dir), glue.get(task), split, policy);
    }

    @Test
    void sst2DevIsValidationAndQuotesAreLiteral() throws IOException {
        write("SST-2/dev.tsv", "sentence\tlabel", "it 's a \"charming\" film\t1", "\"dull\t0");
        SplitData d = load("sst2", "validation", BadRowPolicy.ERROR);
        assertEquals(DataFormat.GLUE_TSV, new SplitLocator(dir).locate(glue.get("sst2"), "validation").format());
        assertEquals(List.of(new Example("it 's a \"charming\" film", null, 1, Float.NaN, 2),
                new Example("\"dull", null, 0, Float.NaN, 3)), d.examples());
    }

    @Test
    void colaTrainHasNoHeaderButTestDoes() throws IOException {
        write("CoLA/train.tsv", "gj04\t1\t\tOur friends won't buy this analysis.", "gj04\t0\t*\tThey drank the pub.");
        write("CoLA/test.tsv", "index\tsentence", "5\tBill whistled past the house.");
        SplitData train = load("cola", "train", BadRowPolicy.ERROR);
        assertEquals(new Example("Our friends won't buy this analysis.", null, 1, Float.NaN, 1), train.examples().get(0));
        assertEquals(0, train.examples().get(1).label());
        SplitData test = load("cola", "test", BadRowPolicy.ERROR);
        assertEquals(new Example("Bill whistled past the house.", null, -1, Float.NaN, 2, 5), test.examples().get(0),
                "a test row keeps its own index, for the submission file");
    }

    @Test
    void qqpTestKeepsItsOwnIndexFromTheIdColumn() throws IOException {
        // QQP is the one GLUE TSV whose index column is called 'id' (test.tsv: id, question1, question2).
        write("QQP/test.tsv", "id\tquestion1\tquestion2", "7\tHow do dogs sleep?\tWhy do cats sleep?",
                "9\tIs it good?\tIs it great?");
        SplitData test = load("qqp", "test", BadRowPolicy.ERROR);
        assertEquals(List.of(7L, 9L), test.examples().stream().map(Example::index).toList(),
                "a test row keeps its own index, for the submission file");
    }

    @Test
    void mrpcColumnsByHeaderName() throws IOException {
        write("MRPC/train.tsv", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String", "1\t702876\t702977\tAmrozi accused.\tReferring to him.");
        Example e = load("mrpc", "train", BadRowPolicy.ERROR).examples().get(0);
        assertEquals(new Example("Amrozi accused.", "Referring to him.", 1, Float.NaN, 2), e);
    }

    @Test
    void mnliLabelNamesMapToHubIdsInBothTrainAndDevLayouts() throws IOException {
        String trainHeader = "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
                + "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label";
        write("MNLI/train.tsv", trainHeader, "0\t1\t1n\tgov\t(\t(\t(\t(\tP one.\tH one.\tneutral\tneutral",
                "1\t2\t2c\tgov\t(\t(\t(\t(\tP two.\tH two.\tcontradiction\tcontradiction");
        String devHeader = "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
                + "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label";
        write("MNLI/dev_mismatched.tsv", devHeader,
                "0\t1\t1e\tx\t(\t(\t(\t(\tP.\tH.\tentailment\tneutral\tentailment\tentailment\tentailment\tentailment");
        SplitData train = load("mnli", "train", BadRowPolicy.ERROR);
        assertEquals(1, train.examples().get(0).label());
        assertEquals(2, train.examples().get(1).label());
        assertEquals("H two.", train.examples().get(1).textB());
        assertEquals(0, load("mnli", "validation_mismatched", BadRowPolicy.ERROR).examples().get(0).label());
    }

    @Test
    void stsbScoresAndUnlabeledTest() throws IOException {
        String h = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2";
        write("STS-B/train.tsv", h + "\tscore", "0\tmain\tf\t2012\t1\tnone\tnone\tA plane.\tAn air plane.\t5.000");
        write("STS-B/test.tsv", h, "0\tmain\tf\t2012\t1\tnone\tnone\tA girl.\tA boy.");
        Example e = load("stsb", "train", BadRowPolicy.ERROR).examples().get(0);
        assertEquals(5.0f, e.score());
        assertEquals(-1, e.label());
        Example t = load("stsb", "test", BadRowPolicy.ERROR).examples().get(0);
        assertTrue(Float.isNaN(t.score()));
        assertEquals("A boy.", t.textB());
    }

    @Test
    void qqpRowsWithMissingFieldsAreBadRows() throws IOException {
        Path f = write("QQP/train.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate",
                "1\t1\t2\tHow?\tWhy?\t0", "2\t3\t4\tHow come?\t1", "3\t5\t6\tWhat?\tWho?\t1");
        UserError e = assertThrows(UserError.class, () -> load("qqp", "train", BadRowPolicy.ERROR));
        assertEquals(f + ":3: expected 6 fields, found 5", e.getMessage());
        SplitData d = load("qqp", "train", BadRowPolicy.SKIP);
        assertEquals(2, d.examples().size());
        assertEquals(new SkipReport(1, List.of(f + ":3: expected 6 fields, found 5")), d.skipped());
    }

    @Test
    void qnliRteWnliLabels() throws IOException {
        write("QNLI/dev.tsv", "index\tquestion\tsentence\tlabel", "0\tQ?\tS.\tnot_entailment");
        write("RTE/train.tsv", "index\tsentence1\tsentence2\tlabel", "0\tA.\tB.\tentailment");
        write("WNLI/train.tsv", "index\tsentence1\tsentence2\tlabel", "0\tA.\tB.\t1");
        assertEquals(1, load("qnli", "validation", BadRowPolicy.ERROR).examples().get(0).label());
        assertEquals(0, load("rte", "train", BadRowPolicy.ERROR).examples().get(0).label());
        assertEquals(1, load("wnli", "train", BadRowPolicy.ERROR).examples().get(0).label()); // 1 = entailment
    }

    @Test
    void testSplitWithoutLabelColumnIsUnlabeled() throws IOException {
        write("QNLI/test.tsv", "index\tquestion\tsentence", "0\tQ?\tS.");
        Example e = load("qnli", "test", BadRowPolicy.ERROR).examples().get(0);
        assertEquals(-1, e.label());
    }

    @Test
    void labeledSplitWithoutLabelColumnIsAnError() throws IOException {
        Path f = write("RTE/train.tsv", "index\tsentence1\tsentence2", "0\tA.\tB.");
        UserError e = assertThrows(UserError.class, () -> load("rte", "train", BadRowPolicy.SKIP));
        assertTrue(e.getMessage().startsWith(f + ":1: header has no label column 'label'"), e.getMessage());
    }

    @Test
    void unknownLabelEmptyTextAndInvalidUtf8() throws IOException {
        Path f = dir.resolve("RTE/train.tsv");
        Files.createDirectories(f.getParent());
        byte[] bad = "0\tA \u00e9.\tB.\tentailment\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] broken = bad.clone();
        broken[4] = (byte) 0xFF; // corrupt the first byte of "é"
        Files.write(f, concat(("index\tsentence1\tsentence2\tlabel\n" + "0\tA.\tB.\tmaybe\n" + "1\t \tB.\tentailment\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), broken, bad));
        UserError e = assertThrows(UserError.class, () -> load("rte", "train", BadRowPolicy.ERROR));
        assertEquals(f + ":2: unknown label 'maybe' for task rte (labels: 0 entailment, 1 not_entailment)", e.getMessage());
        SplitData d = load("rte", "train", BadRowPolicy.SKIP);
        assertEquals(1, d.examples().size());
        assertEquals(5, d.examples().get(0).line());
        assertEquals(3, d.skipped().count());
        assertEquals(f + ":3: empty text in field 'sentence1'", d.skipped().first().get(1));
        assertEquals(f + ":4: invalid UTF-8 (byte 5 of the line)", d.skipped().first().get(2));
    }

    @Test
    void unlabeledRowInLabeledSplitIsBad() throws IOException {
        Path f = write("SST-2/train.tsv", "sentence\tlabel", "fine\t-1");
        UserError e = assertThrows(UserError.class, () -> load("sst2", "train", BadRowPolicy.ERROR));
        assertEquals(f + ":2: unlabeled row (label -1) in a labeled split", e.getMessage());
    }

    @Test
    void crlfLineEndingsAndBlankTrailingLines() throws IOException {
        Path f = dir.resolve("SST-2/train.tsv");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "sentence\tlabel\r\ngood\t1\r\n\r\n");
        SplitData d = load("sst2", "train", BadRowPolicy.ERROR);
        assertEquals(List.of(new Example("good", null, 1, Float.NaN, 2)), d.examples());
        assertNull(d.examples().get(0).textB());
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
