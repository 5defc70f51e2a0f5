package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.CheckpointWriter;
import io.mtl4j.testing.TinyModels;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncodeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path model;
    Path input;

    @BeforeEach
    void setUp() throws Exception {
        model = dir.resolve("model");
        TinyModels.write(model, 1);
        input = dir.resolve("in.tsv");
        Files.writeString(input, "the movie was good .\na dog\tthe cats\ni hated the plot and the actors !\nfun\n");
    }

    private List<JsonNode> encode(int batchSize, Path in) throws Exception {
        Path out = dir.resolve("out-" + batchSize + ".jsonl");
        CliRunner r = CliRunner.run("encode", "--model", model.toString(), "--input", in.toString(),
                "--output", out.toString(), "--batch-size", String.valueOf(batchSize), "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        return Files.readAllLines(out).stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }).toList();
    }

    private CliRunner encodeStdin(String stdinText, String... extra) {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(stdinText.getBytes(StandardCharsets.UTF_8)));
            List<String> args = new java.util.ArrayList<>(List.of("encode", "--model", model.toString(), "--input", "-",
                    "--output", "-", "--device", "cpu"));
            args.addAll(List.of(extra));
            return CliRunner.run(args.toArray(String[]::new));
        } finally {
            System.setIn(stdin);
        }
    }

    /** JSON lines on stdin are read as JSON when asked, and never encoded as their own text by default. */
    @Test
    void jsonLinesOnStdinNeedInputFormatJsonl() throws Exception {
        String jsonl = "{\"text_a\": \"a dog\", \"text_b\": \"the cats\"}\n{\"text_a\": \"fun\"}\n";
        CliRunner guessed = encodeStdin(jsonl);
        assertEquals(2, guessed.exitCode(), guessed.err());
        assertEquals("mtl4j: error: <stdin>:1: this line looks like a JSON object; pass --input-format jsonl to read JSON"
                + " lines from stdin, or --input-format text to take it as text", guessed.err().strip());

        CliRunner asJson = encodeStdin(jsonl, "--input-format", "jsonl");
        assertEquals(0, asJson.exitCode(), asJson.err());
        CliRunner asText = encodeStdin("a dog\tthe cats\nfun\n");
        assertEquals(0, asText.exitCode(), asText.err());
        assertEquals(asText.out(), asJson.out(), "the same pairs, read from JSON lines or from text lines");

        assertEquals(0, encodeStdin(jsonl, "--input-format", "TEXT").exitCode(), "text, when that is what is meant");
        CliRunner bad = encodeStdin(jsonl, "--input-format", "csv");
        assertEquals(2, bad.exitCode());
        assertEquals("mtl4j: error: --input-format must be auto, text or jsonl, got 'csv'", bad.err().strip());
    }

    /**
     * A file of JSON lines whose name does not say so (.ndjson, .txt, no extension) is refused as
     * stdin's are, not scored as the JSON text itself.
     */
    @Test
    void jsonLinesInAFileNotNamedJsonlNeedInputFormatJsonl() throws Exception {
        Path ndjson = Files.writeString(dir.resolve("in.ndjson"), "{\"text_a\": \"a dog\", \"text_b\": \"the cats\"}\n{\"text_a\": \"fun\"}\n");
        CliRunner guessed = CliRunner.run("encode", "--model", model.toString(), "--input", ndjson.toString(),
                "--output", dir.resolve("guessed.jsonl").toString(), "--device", "cpu");
        assertEquals(2, guessed.exitCode(), guessed.err());
        assertEquals("mtl4j: error: " + ndjson + ":1: this line looks like a JSON object; pass --input-format jsonl to read"
                + " JSON lines, or --input-format text to take it as text", guessed.err().strip());
        assertFalse(Files.exists(dir.resolve("guessed.jsonl")));

        List<JsonNode> asJson = encodeWith(ndjson, "--input-format", "jsonl");
        assertEquals(encode(2, Files.writeString(dir.resolve("same.tsv"), "a dog\tthe cats\nfun\n")), asJson);
        CliRunner asText = CliRunner.run("encode", "--model", model.toString(), "--input", ndjson.toString(),
                "--output", dir.resolve("as-text.jsonl").toString(), "--device", "cpu", "--input-format", "text");
        assertEquals(0, asText.exitCode(), "text, when that is what is meant: " + asText.err());

        Path braces = Files.writeString(dir.resolve("braces.txt"), "{braces} are fun\n");
        CliRunner text = CliRunner.run("encode", "--model", model.toString(), "--input", braces.toString(),
                "--output", dir.resolve("braces.jsonl").toString(), "--device", "cpu");
        assertEquals(0, text.exitCode(), "a sentence that only starts with a brace is text: " + text.err());
    }

    private List<JsonNode> encodeWith(Path in, String... extra) throws Exception {
        Path out = dir.resolve("out-with-" + System.nanoTime() + ".jsonl");
        List<String> args = new java.util.ArrayList<>(List.of("encode", "--model", model.toString(), "--input", in.toString(),
                "--output", out.toString(), "--batch-size", "2", "--device", "cpu"));
        args.addAll(List.of(extra));
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (String l : Files.readAllLines(out)) {
            nodes.add(JSON.readTree(l));
        }
        return nodes;
    }

    /** Standard input that cannot be read ('--input - < somedir') is the user's mistake, not an internal error. */
    @Test
    void unreadableStdinIsAOneLineError() {
        java.io.InputStream stdin = System.in;
        CliRunner r;
        try {
            System.setIn(new java.io.InputStream() {
                @Override
                public int read() throws java.io.IOException {
                    throw new java.io.IOException("Is a directory");
                }
            });
            r = CliRunner.run("encode", "--model", model.toString(), "--input", "-", "--output", "-", "--device", "cpu");
        } finally {
            System.setIn(stdin);
        }
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("mtl4j: error: <stdin>: cannot read: Is a directory", r.err().strip());
    }

    @Test
    void outputDashWritesTheSameLinesToStdout() throws Exception {
        List<JsonNode> file = encode(2, input);
        CliRunner r = CliRunner.run("encode", "--model", model.toString(), "--input", input.toString(),
                "--output", "-", "--batch-size", "2", "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(file.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(file.get(i), JSON.readTree(lines.get(i)));
        }
        assertFalse(Files.exists(Path.of("-")), "no file named - in the working directory");
    }

    @Test
    void writesOneObjectPerLineInOrderIndependentOfBatchSize() throws Exception {
        List<JsonNode> one = encode(1, input);
        List<JsonNode> three = encode(3, input);
        assertEquals(4, one.size());
        assertEquals(32, one.get(0).get("cls").size());
        assertEquals(32, one.get(0).get("mean").size());
        assertEquals(32, one.get(0).get("pooler").size());
        assertEquals(1, one.get(1).get("token_type_ids").get(4).asInt(), "second segment of the pair");
        assertEquals(2, one.get(3).get("input_ids").size() - 1, "[CLS] fun [SEP]");
        for (int i = 0; i < one.size(); i++) {
            assertEquals(one.get(i).get("input_ids"), three.get(i).get("input_ids"));
            for (String key : new String[]{"cls", "mean", "pooler"}) {
                for (int k = 0; k < 32; k++) {
                    assertEquals(one.get(i).get(key).get(k).asDouble(), three.get(i).get(key).get(k).asDouble(), 1e-5,
                            key + " of line " + i);
                }
            }
        }
    }

    @Test
    void readsJsonlInputAndOmitsPoolerWhenTheCheckpointHasNone() throws Exception {
        Map<String, Tensor> params = new LinkedHashMap<>(CheckpointLoader.load(model).model().parameters());
        params.remove("pooler.dense.weight");
        params.remove("pooler.dense.bias");
        CheckpointWriter.writeSafetensors(params, model.resolve(CheckpointLoader.WEIGHTS), Map.of());
        Path jsonl = dir.resolve("in.jsonl");
        Files.writeString(jsonl, "{\"text_a\": \"a dog\", \"text_b\": \"the cats\"}\n{\"text_a\": \"fun\", \"text_b\": null}\n");
        List<JsonNode> out = encode(2, jsonl);
        assertEquals(2, out.size());
        assertFalse(out.get(0).has("pooler"));
        assertEquals(1, out.get(0).get("token_type_ids").get(4).asInt());
    }

    private String failure(String... args) {
        CliRunner r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), "expected a user error, got: " + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line, no stack trace: " + err);
        assertTrue(err.startsWith("mtl4j: error: "), err);
        return err;
    }

    private String encodeFailure(Path modelDir, Path in) {
        return failure("encode", "--model", modelDir.toString(), "--input", in.toString(),
                "--output", dir.resolve("o.jsonl").toString(), "--device", "cpu");
    }

    @Test
    void badInputsGetOneLineErrorsNamingTheFile() throws Exception {
        String missingModel = encodeFailure(dir.resolve("missing"), input);
        assertTrue(missingModel.contains(dir.resolve("missing").toString()) && missingModel.contains("does not exist"), missingModel);

        Path bad = dir.resolve("bad.tsv");
        Files.write(bad, new byte[]{'o', 'k', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        assertTrue(encodeFailure(model, bad).contains(bad + ":2: invalid UTF-8"));
        Files.writeString(bad, "fine\n\t\n");
        assertTrue(encodeFailure(model, bad).contains(bad + ":2: empty text_a"));
        Files.writeString(bad, "a\tb\tc\n");
        assertTrue(encodeFailure(model, bad).contains(bad + ":1: expected text_a or text_a<TAB>text_b"));
        Path badJson = dir.resolve("bad.jsonl");
        Files.writeString(badJson, "{\"text_a\": \"\"}\n");
        assertTrue(encodeFailure(model, badJson).contains(badJson + ":1: empty text_a"));

        Files.delete(model.resolve("tokenizer.json"));
        assertTrue(encodeFailure(model, input).contains("tokenizer.json"));
        TinyModels.writeTokenizer(model);

        Path config = model.resolve("config.json");
        String original = Files.readString(config);
        Files.writeString(config, original.replace("\"num_attention_heads\" : 4,", ""));
        assertTrue(encodeFailure(model, input).contains(config + ": missing required field num_attention_heads"));
        Files.writeString(config, original.replace("\"hidden_size\" : 32", "\"hidden_size\" : \"32\""));
        assertTrue(encodeFailure(model, input).contains(config + ": field hidden_size must be an integer"));
        Files.writeString(config, original.replace("\"intermediate_size\" : 64", "\"intermediate_size\" : 48"));
        assertTrue(encodeFailure(model, input).contains("encoder.layer.0.intermediate.dense.weight has shape [64, 32] but config.json implies [48, 32]"));
        Files.writeString(config, original);

        Path weights = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, 40));
        assertTrue(encodeFailure(model, input).contains(weights + ": corrupt safetensors file"));
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertTrue(encodeFailure(model, input).contains("out of range"));
        String header = new String(bytes, 8, 200, StandardCharsets.ISO_8859_1);
        byte[] unknownDtype = bytes.clone();
        int at = header.indexOf("\"F32\"");
        unknownDtype[8 + at + 1] = 'X';
        Files.write(weights, unknownDtype);
        assertTrue(encodeFailure(model, input).contains("dtype X32 is not supported"));
    }

    @Test
    void badFlagsAreUserErrors() {
        assertTrue(failure("encode", "--model", model.toString(), "--input", input.toString(), "--output",
                dir.resolve("o.jsonl").toString(), "--device", "tpu").contains("--device tpu"));
        assertTrue(failure("encode", "--model", model.toString(), "--input", input.toString(), "--output",
                dir.resolve("o.jsonl").toString(), "--batch-size", "0").contains("--batch-size"));
    }

    @Test
    void encodesWithAnMtl4jCheckpointsEncoderAndReadsStdin() throws Exception {
        Path data = io.mtl4j.testing.TinyGlue.write(dir.resolve("glue"), 64, 16, 5);
        Path run = TinyRuns.train(dir, "run", data, "sst2", "--steps", "4");
        Path out = dir.resolve("from-checkpoint.jsonl");
        java.io.InputStream stdin = System.in;
        CliRunner r;
        try {
            System.setIn(new java.io.ByteArrayInputStream(Files.readAllBytes(input)));
            r = CliRunner.run("encode", "--model", run.resolve("last").toString(), "--input", "-",
                    "--output", out.toString(), "--device", "cpu");
        } finally {
            System.setIn(stdin);
        }
        assertEquals(0, r.exitCode(), r.err());
        List<String> trained = Files.readAllLines(out);
        assertEquals(4, trained.size());
        // The same inputs through the pretrained model the run started from give other vectors.
        Path base = dir.resolve("base.jsonl");
        assertEquals(0, CliRunner.run("encode", "--model", dir.resolve("model").toString(), "--input", input.toString(),
                "--output", base.toString(), "--device", "cpu").exitCode());
        assertFalse(JSON.readTree(trained.get(0)).get("cls").equals(JSON.readTree(Files.readAllLines(base).get(0)).get("cls")),
                "encoded with the checkpoint's trained weights");
    }

    @Test
    void aCsvInputIsRefusedByNameInsteadOfEncodingItsHeader() throws Exception {
        Path csv = Files.writeString(dir.resolve("pairs.csv"), "sentence1,sentence2\n\"a cat\",\"a dog\"\n");
        CliRunner r = CliRunner.run("encode", "--model", model.toString(), "--input", csv.toString(),
                "--output", dir.resolve("out.jsonl").toString(), "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("mtl4j: error: " + csv + ": encode does not read CSV;"), r.err());
        assertFalse(Files.exists(dir.resolve("out.jsonl")));
        // the way out the message offers: read the lines as text
        assertEquals(0, CliRunner.run("encode", "--model", model.toString(), "--input", csv.toString(), "--input-format", "text",
                "--output", dir.resolve("out.jsonl").toString(), "--device", "cpu").exitCode());
    }

    /** encode reads an mtl4j checkpoint (its description says so); the --model line must not say otherwise. */
    @Test
    void modelHelpNamesCheckpoints() {
        CliRunner r = CliRunner.run("encode", "--help");
        assertEquals(0, r.exitCode(), r.err());
        String help = String.join(" ", r.out().split("\\s+"));
        int at = help.lastIndexOf("--model=DIR|HUB_ID "); // the option list, not the synopsis
        assertTrue(at >= 0, help);
        String line = help.substring(at, help.indexOf("--output=", at));
        assertTrue(line.contains("mtl4j checkpoint"), line);
    }
}
