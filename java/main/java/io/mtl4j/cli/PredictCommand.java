package io.mtl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.data.TextPairFile;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.eval.Evaluator;
import io.mtl4j.eval.LoadedCheckpoint;
import io.mtl4j.runtime.Devices;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.Encoding;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code mtl4j predict}: a task head's predictions for new inputs, or GLUE submission files. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {
                "Predicts a task head's labels for input lines as JSON lines, or writes GLUE submission TSVs.",
                "One JSON object per input line, in input order:",
                "  {\"label\": name, \"label_id\": i, \"probs\": [p0, p1, ...]}   (probabilities in label-id order)",
                "  {\"score\": x}                                          (STS-B and other regression tasks)",
                "Input as for 'mtl4j encode': .jsonl (or .json) with text_a/text_b, or text_a[<TAB>text_b] lines;",
                "'-' reads stdin (as text lines; --input-format jsonl for JSON lines). A .csv is refused: convert it.",
                "A .jsonl may name its texts by the task's own fields instead (sentence; premise/hypothesis; ...),",
                "so a GLUE data file reads as is. Every line is one input: a blank line is an error, not skipped.",
                "Predictions are printed in chunks as input arrives (stdin: as soon as lines are there). A bad line",
                "stops predict with an error naming it; the predictions of the lines before it are printed already.",
                "Inputs are batched by length, so an input's probabilities can differ around the 7th digit with",
                "the inputs that share its batch (float32 rounding of a different padded shape), as in PyTorch.",
                "A checkpoint's own tasks (train --task-file) are as it recorded them; when the project has moved,",
                "--task-file FILE points at its task file now (its declarations must match the heads' labels).",
                "--checkpoint may also be a Hugging Face BertForSequenceClassification directory (an export, or a",
                "model fine-tuned with transformers): its task is the one task named here, else config.json's",
                "finetuning_task; its id2label must be the task's labels in order (transformers' LABEL_0, LABEL_1, ...",
                "are read in the task's order), and it truncates at tokenizer_config.json's model_max_length.",
                "",
                "--glue-submission DIR instead writes the GLUE leaderboard TSVs of the task's test split(s),",
                "read from --data; without --task, of every GLUE head of the checkpoint. MNLI gives MNLI-m.tsv,",
                "MNLI-mm.tsv and AX.tsv: the diagnostic set, predicted by the MNLI head, read from",
                "DIR/ax/test.jsonl, DIR/diagnostic/diagnostic.tsv or the hub (without it, a warning).",
                "Nothing is overwritten: a TSV this run would write that exists in DIR already stops it, before",
                "predicting. Other files in DIR stay, so runs for different tasks may fill one DIR.",
                "A row's index is its own (idx; the GLUE TSVs' index column), else its position in the test file.",
                "",
                "Examples:",
                "  echo 'a gripping , funny film .' | mtl4j predict --checkpoint runs/mtl/best --task sst2 --input -",
                "  mtl4j predict --checkpoint runs/mtl/best --task mnli --data hub --glue-submission submission/",
                "  mtl4j predict --checkpoint runs/mtl/best --data hub --glue-submission submission/   (all heads)"})
public final class PredictCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Mixin
    CheckpointOptions checkpointOptions;
    @Option(names = "--task", description = "The task head to use (may be left out when the checkpoint has one,"
            + " and with --glue-submission).")
    String task;
    @Option(names = "--input", paramLabel = "FILE|-", description = "Inputs; '-' for stdin.")
    String input;
    @picocli.CommandLine.Mixin
    TextInput textInput;
    @Option(names = "--glue-submission", paramLabel = "DIR", description = "Write GLUE leaderboard TSVs for the test split(s).")
    Path submission;
    @Option(names = "--data", paramLabel = "DIR|hub",
            description = "Data with the test split(s), for --glue-submission. Default: the data the checkpoint was trained on.")
    String data;
    @Option(names = "--data-revision", paramLabel = "REV",
            description = "With --data hub: the revision of nyu-mll/glue (branch, tag or commit) to read. Default: main, or the checkpoint's with its training data.")
    String dataRevision;
    @Option(names = "--task-file", paramLabel = "FILE", description = "YAML/JSON file declaring the checkpoint's own tasks"
            + " (as for train), e.g. where a moved project's file is now: its declaration of a task the checkpoint has must give"
            + " the labels the head was trained with, in order; its text fields name the JSON lines' texts. Default: the file the checkpoint was trained with,"
            + " if it is still there.")
    Path taskFile;
    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Token cache for --glue-submission's test splits. Default: $MTL4J_CACHE, else ~/.cache/mtl4j/tokens.")
    Path cacheDir;
    @Option(names = "--batch-size", defaultValue = "64", description = "Examples per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new UserError("--batch-size is " + batchSize + "; must be at least 1");
        }
        if (input != null && submission != null) {
            throw new UserError("give --input FILE|- or --glue-submission DIR, not both");
        }
        if (input == null && submission == null) {
            throw new UserError("give --input FILE|- (one task's predictions) or --glue-submission DIR (test-split TSVs)");
        }
        if (input != null) {
            textInput.refuseCsv(input, "predict", "text_a and text_b, or the task's own fields");
        }
        Device dev = Devices.resolve(device);
        Path checkpoint = checkpointOptions.resolve();
        LoadedCheckpoint ckpt = LoadedCheckpoint.load(checkpoint, dev, taskFile, task == null ? List.of() : List.of(task));
        int maxLength = Math.min(ckpt.config().maxLength(), ckpt.model().config().maxPositionEmbeddings());
        try (BertTokenizer tokenizer = BertTokenizer.load(checkpoint, maxLength)) {
            if (submission != null) {
                GlueSubmission glue = new GlueSubmission(submission, data, dataRevision, cacheDir, batchSize,
                        spec.commandLine().getErr());
                glue.write(ckpt, glue.tasks(ckpt, task), tokenizer, dev);
                return 0;
            }
            TaskSpec taskSpec = ckpt.task(taskName(ckpt));
            PrintWriter out = spec.commandLine().getOut();
            // In chunks, as lines arrive: the first predictions are printed while stdin is still open, and a
            // huge input is never held whole. A chunk ends at CHUNK_LINES lines or when no more input is there yet.
            int chunkLines = (int) Math.min(Integer.MAX_VALUE, Math.max(CHUNK_LINES, 16L * batchSize));
            try (TextInput.Stream lines = textInput.open(input, taskSpec.textFields());
                 ProgressBar bar = new ProgressBar("predict " + taskSpec.name(), inputLines())) {
                List<TextPairFile.Pair> chunk = new ArrayList<>();
                for (TextPairFile.Pair p = null; ; ) {
                    try {
                        p = lines.next();
                        if (p != null) {
                            checkShape(taskSpec, p);
                        }
                    } catch (UserError e) {
                        predictAndPrint(ckpt, taskSpec, tokenizer, chunk, dev, out, bar); // every line before the bad one
                        throw e;
                    }
                    if (p != null) {
                        chunk.add(p);
                    }
                    if (!chunk.isEmpty() && (p == null || chunk.size() >= chunkLines || !lines.ready())) {
                        predictAndPrint(ckpt, taskSpec, tokenizer, chunk, dev, out, bar);
                        chunk.clear();
                        if (out.checkError()) {
                            return 0; // the reader is gone (| head) or the disk full: Main says which
                        }
                    }
                    if (p == null) {
                        break;
                    }
                }
            }
        }
        return 0;
    }

    /** The lines of an --input file (a quick pass over its bytes), for the progress bar; -1 for stdin. */
    private long inputLines() throws java.io.IOException {
        if (input.equals("-") || !Files.isRegularFile(Path.of(input))) {
            return -1;
        }
        long lines = 0;
        int last = '\n';
        byte[] buffer = new byte[1 << 16];
        try (java.io.InputStream in = Files.newInputStream(Path.of(input))) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
                last = buffer[n - 1];
            }
        }
        return last == '\n' ? lines : lines + 1;
    }

    /** Lines per chunk of --input, or 16 batches if more (as encode): bounds memory; batches form within a chunk. */
    static final int CHUNK_LINES = 256;

    /**
     * Predicts {@code pairs} and prints a line for each, in order. An output that is NaN or infinite is an
     * error naming its input line, printed after the lines before it.
     */
    private void predictAndPrint(LoadedCheckpoint ckpt, TaskSpec taskSpec, BertTokenizer tokenizer,
                                 List<TextPairFile.Pair> pairs, Device dev, PrintWriter out, ProgressBar bar) throws Exception {
        if (pairs.isEmpty()) {
            return;
        }
        List<TokenizedExample> examples = new ArrayList<>(pairs.size());
        for (TextPairFile.Pair p : pairs) {
            Encoding e = tokenizer.encode(p.textA(), p.textB());
            examples.add(new TokenizedExample(e.inputIds(), e.tokenTypeIds(), -1, Float.NaN));
        }
        Evaluator.Predictions predictions = Evaluator.predict(ckpt.model(), taskSpec.name(), examples, batchSize, dev);
        int broken = predictions.firstNonFinite();
        int printable = broken >= 0 ? broken : pairs.size();
        for (int i = 0; i < printable; i++) {
            out.println(JSON.writeValueAsString(line(taskSpec, predictions.outputs()[i])));
        }
        out.flush();
        bar.step(printable);
        if (broken >= 0) {
            throw UserError.at(inputName(), pairs.get(broken).line(), nonFinite(taskSpec, predictions));
        }
    }

    /** A head trained on sentence pairs gets pairs, one trained on single sentences gets those. */
    private void checkShape(TaskSpec task, TextPairFile.Pair p) {
        String name = inputName();
        boolean jsonl = textInput.isJsonLines(input);
        if (task.isPair() && p.textB() == null) {
            throw UserError.at(name, p.line(), task.name() + " takes a sentence pair, "
                    + (jsonl ? "text_a and text_b (or " + String.join(" and ", task.textFields()) + ")" : "text_a<TAB>text_b")
                    + "; this line has only " + (jsonl ? "one of them" : "text_a"));
        }
        if (!task.isPair() && p.textB() != null) {
            throw UserError.at(name, p.line(), task.name() + " takes one sentence, text_a; this line also has text_b"
                    + (jsonl ? "" : " (after a tab)"));
        }
    }

    private String inputName() {
        return input.equals("-") ? "<stdin>" : Path.of(input).toString();
    }

    static ObjectNode line(TaskSpec task, float[] output) {
        ObjectNode node = JSON.createObjectNode();
        if (task.isRegression()) {
            node.put("score", output[0]);
            return node;
        }
        double[] probs = softmax(output);
        int best = 0;
        for (int k = 1; k < probs.length; k++) {
            if (probs[k] > probs[best]) {
                best = k;
            }
        }
        node.put("label", task.labelNames().get(best));
        node.put("label_id", best);
        ArrayNode array = node.putArray("probs");
        for (double p : probs) {
            array.add(p);
        }
        return node;
    }

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    private String taskName(LoadedCheckpoint ckpt) {
        if (task != null) {
            return task.toLowerCase(Locale.ROOT);
        }
        if (ckpt.tasks().size() != 1) {
            throw new UserError("give --task: the checkpoint has heads for " + String.join(", ", ckpt.tasks().keySet()));
        }
        return ckpt.tasks().keySet().iterator().next();
    }

    /** The error for a head's NaN or infinite output; predict's JSON lines and its GLUE TSVs say the same. */
    static String nonFinite(TaskSpec task, Evaluator.Predictions predictions) {
        return "the " + task.name() + " head's output is NaN or infinite here (" + predictions.nonFiniteCount() + " of "
                + predictions.outputs().length + " inputs); the checkpoint's weights are likely broken";
    }
}
