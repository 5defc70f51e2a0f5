package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import java.util.Map;
import java.util.Optional;

/**
 * Where the original GLUE distribution (gluebenchmark.com, {@code download_glue_data.py}) keeps a
 * task, and which header columns hold its texts and label.
 *
 * <ul>
 *   <li>Directories: CoLA, SST-2, MRPC, QQP, STS-B, MNLI, QNLI, RTE, WNLI.</li>
 *   <li>Files: {@code train.tsv}, {@code dev.tsv} (= validation), {@code test.tsv}; MNLI has
 *       {@code dev_matched.tsv}, {@code dev_mismatched.tsv}, {@code test_matched.tsv},
 *       {@code test_mismatched.tsv}.</li>
 *   <li>CoLA train/dev have no header: 4 columns source, label, original label, sentence.
 *       CoLA test has the header {@code index sentence}.</li>
 *   <li>MRPC: {@code Quality #1 ID #2 ID #1 String #2 String}; QQP: {@code is_duplicate}, and its
 *       index column is {@code id} (test: {@code id question1 question2});
 *       STS-B: {@code score} (10 columns); MNLI: {@code gold_label} (train 12 columns, dev 16).</li>
 *   <li>Test files have no label column. Quotes are literal characters (no CSV quoting).</li>
 *   <li>The diagnostic set (AX, test only) is {@code diagnostic/diagnostic.tsv}, with the header
 *       {@code index sentence1 sentence2}, as {@code download_glue_data.py} saves it.</li>
 * </ul>
 *
 * @param dir       directory name in the GLUE distribution
 * @param textA     header name of the first text column
 * @param textB     header name of the second text column, or null
 * @param label     header name of the label column
 * @param headerless true for CoLA, whose train/dev files have no header
 * @param onlyFile  the task's one file whatever the split (AX's diagnostic.tsv), or null
 */
record GlueTsvLayout(String dir, String textA, String textB, String label, boolean headerless, String onlyFile) {

    GlueTsvLayout(String dir, String textA, String textB, String label, boolean headerless) {
        this(dir, textA, textB, label, headerless, null);
    }

    /** CoLA's headerless layout: source, label, original label, sentence. */
    static final int COLA_FIELDS = 4;
    static final int COLA_LABEL = 1;
    static final int COLA_SENTENCE = 3;

    private static final Map<String, GlueTsvLayout> GLUE = Map.of(
            "cola", new GlueTsvLayout("CoLA", "sentence", null, "label", true),
            "sst2", new GlueTsvLayout("SST-2", "sentence", null, "label", false),
            "mrpc", new GlueTsvLayout("MRPC", "#1 String", "#2 String", "Quality", false),
            "qqp", new GlueTsvLayout("QQP", "question1", "question2", "is_duplicate", false),
            "stsb", new GlueTsvLayout("STS-B", "sentence1", "sentence2", "score", false),
            "mnli", new GlueTsvLayout("MNLI", "sentence1", "sentence2", "gold_label", false),
            "qnli", new GlueTsvLayout("QNLI", "question", "sentence", "label", false),
            "rte", new GlueTsvLayout("RTE", "sentence1", "sentence2", "label", false),
            "wnli", new GlueTsvLayout("WNLI", "sentence1", "sentence2", "label", false),
            "ax", new GlueTsvLayout("diagnostic", "sentence1", "sentence2", "label", false, "diagnostic.tsv"));

    /** The GLUE layout of a built-in task, empty for user-defined tasks. */
    static Optional<GlueTsvLayout> forGlueTask(TaskSpec task) {
        return task.splitFiles().isEmpty() ? Optional.ofNullable(GLUE.get(task.name())) : Optional.empty();
    }

    /** A plain headed TSV whose columns are named like the task's fields (user tasks). */
    static GlueTsvLayout headed(TaskSpec task) {
        return new GlueTsvLayout(null, task.textFields().get(0),
                task.isPair() ? task.textFields().get(1) : null, task.labelField(), false);
    }

    /**
     * The header name of the row's own index column when it is not GLUE's usual {@code index}: QQP's test.tsv
     * calls it {@code id}. Null for every other layout.
     */
    String otherIndexColumn() {
        return "QQP".equals(dir) ? "id" : null;
    }

    /** GLUE's file name for an HF split name: validation is "dev"; a task with one file (AX) has only that. */
    String fileName(String split) {
        return onlyFile != null ? onlyFile : split.replace("validation", "dev") + ".tsv";
    }
}
