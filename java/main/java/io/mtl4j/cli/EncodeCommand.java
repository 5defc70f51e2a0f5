package io.mtl4j.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.mtl4j.data.Batcher;
import io.mtl4j.data.TextPairFile;
import io.mtl4j.model.BertModel;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.model.InputBatch;
import io.mtl4j.model.TokenIds;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.Encoding;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mtl4j encode}: encoder outputs for every input line, as JSON lines. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = {
                "Runs the encoder over every input line, writing one JSON object per line.",
                "Each holds, in input order:",
                "  input_ids, token_type_ids, cls (last hidden state of token 0), mean (mean over real tokens),",
                "  and pooler (when the checkpoint has pooler weights).",
                "",
                "Input by extension: .jsonl (or .json) holds {\"text_a\": ..., \"text_b\": ...}; any other file holds",
                "text_a or text_a<TAB>text_b per line, no header; '-' reads such lines from stdin.",
                "The model may be a Hugging Face directory, a hub id or an mtl4j checkpoint (its heads are ignored).",
                "",
                "Example:",
                "  mtl4j encode --model ../shared/models/minilm-l6-h384 \\",
                "      --input sentences.tsv --output embeddings.jsonl --batch-size 32"})
public final class EncodeCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(EncodeCommand.class);

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID",
            description = "A Hugging Face model directory, an mtl4j checkpoint (its heads are ignored) or a hub id.")
    String model;

    @Option(names = "--revision", defaultValue = "main", description = "Hub revision (branch, tag or commit) for hub ids. Default: ${DEFAULT-VALUE}.")
    String revision;

    @Option(names = "--input", required = true, paramLabel = "FILE|-", description = "Input file (.jsonl or TSV lines); '-' for stdin.")
    String input;

    @picocli.CommandLine.Mixin
    TextInput textInput;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl|-",
            description = "Output JSON lines, written atomically; '-' for stdout.")
    String output;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--batch-size", defaultValue = "32", description = "Examples per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "512",
            description = "Truncate (longest first) to this many tokens, capped at max_position_embeddings. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new UserError("--batch-size must be at least 1, got " + batchSize);
        }
        textInput.refuseCsv(input, "encode", "text_a and text_b");
        Path modelDir = ModelArgument.resolve(model, revision);
        List<TextPairFile.Pair> pairs = textInput.read(input, List.of());
        // An mtl4j checkpoint also holds task heads and loss weights; the encoder needs neither.
        CheckpointLoader.Loaded loaded = CheckpointLoader.load(modelDir,
                java.util.Set.of(MultiTaskModel.HEADS_PREFIX, MultiTaskModel.LOSS_WEIGHTS_PREFIX));
        int effectiveMax = Math.min(maxLength, loaded.model().config().maxPositionEmbeddings());
        Device dev = Devices.resolve(device);
        BertModel encoder = loaded.model().to(dev);
        LOG.info("encoding {} input(s) from {} with {} on {}", pairs.size(), input, modelDir, Devices.where(dev));

        try (BertTokenizer tokenizer = BertTokenizer.load(modelDir, effectiveMax);
             ProgressBar progress = new ProgressBar("encode", pairs.size())) {
            int padId = encoder.config().padTokenId();
            if (output.equals("-")) {
                JsonGenerator json = new JsonFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                        .createGenerator(spec.commandLine().getOut());
                stdout = spec.commandLine().getOut();
                encodeAll(pairs, tokenizer, encoder, padId, dev, json, progress);
                return 0;
            }
            AtomicFiles.write(Path.of(output), out -> {
                try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
                    encodeAll(pairs, tokenizer, encoder, padId, dev, json, progress);
                }
            });
        }
        LOG.info("wrote {}", output);
        return 0;
    }

    /** Standard output when the encodings go there (--output -): checked after each chunk. */
    private java.io.PrintWriter stdout;

    private void encodeAll(List<TextPairFile.Pair> pairs, BertTokenizer tokenizer, BertModel encoder, int padId,
                           Device dev, JsonGenerator json, ProgressBar progress) throws java.io.IOException {
        json.setRootValueSeparator(null);
        // Encode in chunks sorted by length so that batches pad little; write in input order.
        int chunkSize = Math.max(batchSize * 16, 256);
        for (int start = 0; start < pairs.size(); start += chunkSize) {
            List<TextPairFile.Pair> chunk = pairs.subList(start, Math.min(pairs.size(), start + chunkSize));
            List<Encoding> encodings = tokenize(chunk, tokenizer);
            for (int i = 0; i < encodings.size(); i++) {
                long line = chunk.get(i).line();
                TokenIds.requireEmbeddable(encodings.get(i).inputIds(), encodings.get(i).tokenTypeIds(), encoder.config(),
                        () -> input + ":" + line);
            }
            int[] lengths = encodings.stream().mapToInt(Encoding::length).toArray();
            float[][][] results = new float[encodings.size()][][];
            for (int[] members : Batcher.longestFirst(lengths, batchSize)) {
                List<Encoding> batch = new ArrayList<>();
                for (int i : members) {
                    batch.add(encodings.get(i));
                }
                float[][][] batchResults = forward(encoder, batch, padId, dev);
                for (int k = 0; k < members.length; k++) {
                    results[members[k]] = batchResults[k];
                }
                progress.step(members.length);
            }
            for (int i = 0; i < encodings.size(); i++) {
                writeLine(json, encodings.get(i), results[i]);
                json.writeRaw('\n');
            }
            json.flush();
            if (stdout != null && stdout.checkError()) {
                return; // the reader is gone (| head) or the disk full: Main says which
            }
        }
        json.flush();
    }

    private static List<Encoding> tokenize(List<TextPairFile.Pair> chunk, BertTokenizer tokenizer) {
        List<String> a = new ArrayList<>(chunk.size());
        List<String> b = new ArrayList<>(chunk.size());
        boolean anyPair = false;
        for (TextPairFile.Pair p : chunk) {
            a.add(p.textA());
            b.add(p.textB());
            anyPair |= p.textB() != null;
        }
        return tokenizer.encodeBatch(a, anyPair ? b : null);
    }

    /** Returns, per example, {cls, mean, pooler-or-null}. */
    private static float[][][] forward(BertModel encoder, List<Encoding> batch, int padId, Device dev) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            InputBatch inputs = InputBatch.of(batch, padId, dev);
            BertModel.Output out = encoder.forward(inputs.inputIds(), inputs.tokenTypeIds(), inputs.attentionMask(), false);
            Tensor cls = out.lastHiddenState().select(1, 0);
            Tensor mean = BertModel.meanPool(out.lastHiddenState(), inputs.attentionMask());
            float[] clsValues = Tensors.toFloatArray(cls);
            float[] meanValues = Tensors.toFloatArray(mean);
            float[] poolerValues = out.pooled() == null ? null : Tensors.toFloatArray(out.pooled());
            int hidden = encoder.config().hiddenSize();
            float[][][] results = new float[batch.size()][][];
            for (int i = 0; i < batch.size(); i++) {
                results[i] = new float[][]{
                        java.util.Arrays.copyOfRange(clsValues, i * hidden, (i + 1) * hidden),
                        java.util.Arrays.copyOfRange(meanValues, i * hidden, (i + 1) * hidden),
                        poolerValues == null ? null : java.util.Arrays.copyOfRange(poolerValues, i * hidden, (i + 1) * hidden)};
            }
            return results;
        }
    }

    private static void writeLine(JsonGenerator json, Encoding e, float[][] result) throws java.io.IOException {
        json.writeStartObject();
        json.writeFieldName("input_ids");
        json.writeArray(e.inputIds(), 0, e.length());
        json.writeFieldName("token_type_ids");
        json.writeArray(e.tokenTypeIds(), 0, e.length());
        writeFloats(json, "cls", result[0]);
        writeFloats(json, "mean", result[1]);
        if (result[2] != null) {
            writeFloats(json, "pooler", result[2]);
        }
        json.writeEndObject();
    }

    private static void writeFloats(JsonGenerator json, String name, float[] values) throws java.io.IOException {
        json.writeArrayFieldStart(name);
        for (float v : values) {
            json.writeNumber(v);
        }
        json.writeEndArray();
    }
}
