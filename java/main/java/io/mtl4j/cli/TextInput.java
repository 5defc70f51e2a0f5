package io.mtl4j.cli;

import io.mtl4j.data.TextPairFile;
import io.mtl4j.util.UserError;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The {@code --input FILE|-} and {@code --input-format} of encode and predict. */
final class TextInput {
    @Option(names = "--input-format", defaultValue = "auto", paramLabel = "auto|text|jsonl",
            description = "How --input is read: jsonl (objects with text_a/text_b), text (text_a[<TAB>text_b] lines),"
                    + " or auto: by the file's extension (.jsonl, .json), text for stdin. Default: ${DEFAULT-VALUE}.")
    String format;

    /** Reads {@code input} ('-' for stdin); a JSON line may name its texts by {@code taskFields}. */
    List<TextPairFile.Pair> read(String input, List<String> taskFields) throws IOException {
        String f = format.toLowerCase(Locale.ROOT);
        if (!List.of("auto", "text", "jsonl").contains(f)) {
            throw new UserError("--input-format must be auto, text or jsonl, got '" + format + "'");
        }
        boolean stdin = input.equals("-");
        boolean jsonl = isJsonLines(input);
        List<TextPairFile.Pair> pairs;
        if (stdin) {
            try {
                pairs = TextPairFile.read(System.in, "<stdin>", jsonl, taskFields);
            } catch (IOException e) {
                // e.g. '--input - < somedir': EISDIR
                throw new UserError("<stdin>: cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
            }
        } else {
            pairs = TextPairFile.read(Path.of(input), taskFields, jsonl);
        }
        if (f.equals("auto") && !jsonl && !pairs.isEmpty() && pairs.get(0).textB() == null
                && isJsonObject(pairs.get(0).textA())) {
            // Scoring the JSON text itself would give plausible-looking nonsense: on stdin, and in a
            // file whose name does not say JSON lines (.ndjson, .txt, none).
            throw UserError.at(stdin ? "<stdin>" : Path.of(input).toString(), pairs.get(0).line(),
                    "this line looks like a JSON object; pass --input-format jsonl to read JSON lines"
                            + (stdin ? " from stdin" : "") + ", or --input-format text to take it as text");
        }
        return pairs;
    }

    /** Whether {@code text} is a JSON object, not merely a sentence that starts with a brace. */
    private static boolean isJsonObject(String text) {
        if (!text.strip().startsWith("{")) {
            return false;
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).isObject();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Whether {@code input} is read as JSON lines. */
    boolean isJsonLines(String input) {
        String f = format.toLowerCase(Locale.ROOT);
        return f.equals("jsonl") || (f.equals("auto") && !input.equals("-") && TextPairFile.isJsonLines(Path.of(input)));
    }
}
