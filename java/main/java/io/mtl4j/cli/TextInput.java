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

    /** Reads all of {@code input} ('-' for stdin); a JSON line may name its texts by {@code taskFields}. */
    List<TextPairFile.Pair> read(String input, List<String> taskFields) {
        List<TextPairFile.Pair> pairs = new java.util.ArrayList<>();
        try (Stream lines = open(input, taskFields)) {
            for (TextPairFile.Pair p; (p = lines.next()) != null; ) {
                pairs.add(p);
            }
        }
        return pairs;
    }

    /**
     * Opens {@code input} ('-' for stdin) to read line by line, as lines arrive: {@link #read}'s lines and
     * errors, each error when its line is reached. Close it to close the file (stdin stays open).
     */
    Stream open(String input, List<String> taskFields) {
        String f = format.toLowerCase(Locale.ROOT);
        if (!List.of("auto", "text", "jsonl").contains(f)) {
            throw new UserError("--input-format must be auto, text or jsonl, got '" + format + "'");
        }
        boolean stdin = input.equals("-");
        boolean jsonl = isJsonLines(input);
        String name = stdin ? "<stdin>" : Path.of(input).toString();
        java.io.InputStream in;
        if (stdin) {
            in = System.in;
        } else {
            Path file = Path.of(input);
            if (!java.nio.file.Files.exists(file)) {
                throw new UserError(file + ": input file not found");
            }
            if (java.nio.file.Files.isDirectory(file)) {
                throw new UserError(file + ": is a directory, not an input file");
            }
            try {
                in = java.nio.file.Files.newInputStream(file);
            } catch (IOException e) {
                throw new UserError(file + ": cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
            }
        }
        return new Stream(new TextPairFile.Lines(in, name, jsonl, taskFields), stdin ? null : in, name,
                f.equals("auto") && !jsonl, stdin);
    }

    /** An opened --input: {@link #next} gives its lines one at a time. */
    static final class Stream implements AutoCloseable {
        private final TextPairFile.Lines lines;
        private final java.io.InputStream toClose;
        private final String name;
        private final boolean checkFirstIsNotJson;
        private final boolean stdin;
        private boolean first = true;

        private Stream(TextPairFile.Lines lines, java.io.InputStream toClose, String name, boolean checkFirstIsNotJson,
                       boolean stdin) {
            this.lines = lines;
            this.toClose = toClose;
            this.name = name;
            this.checkFirstIsNotJson = checkFirstIsNotJson;
            this.stdin = stdin;
        }

        /** The next line, waiting for it; null at the end. A bad line is a {@link UserError} naming it. */
        TextPairFile.Pair next() {
            TextPairFile.Pair p;
            try {
                p = lines.next();
            } catch (IOException e) {
                // e.g. '--input - < somedir': EISDIR
                throw new UserError(name + ": cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
            }
            if (first && p != null && checkFirstIsNotJson && p.textB() == null && isJsonObject(p.textA())) {
                throw UserError.at(name, p.line(), "this line looks like a JSON object; pass --input-format jsonl to"
                        + " read JSON lines" + (stdin ? " from stdin" : "") + ", or --input-format text to take it as text");
            }
            first = false;
            return p;
        }

        /** Whether another line may be read now without waiting for more input. */
        boolean ready() {
            return lines.ready();
        }

        @Override
        public void close() {
            if (toClose != null) {
                try {
                    toClose.close();
                } catch (IOException e) {
                    // read to the end or failed already; nothing left to lose
                }
            }
        }
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

    /**
     * A one-line error naming a .csv {@code input} read by extension: {@code command} does not read CSV, and read as
     * text lines, its header would be predicted and its commas taken as text.
     */
    void refuseCsv(String input, String command, String jsonFields) {
        if (format.equalsIgnoreCase("auto") && !input.equals("-") && input.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            throw new UserError(Path.of(input) + ": " + command + " does not read CSV; --input takes JSON lines (.jsonl or .json:"
                    + " objects with " + jsonFields + ") or text lines (text_a or text_a<TAB>text_b,"
                    + " one input a line); convert the file, or give --input-format text to read its lines as they are");
        }
    }

    /** Whether {@code input} is read as JSON lines. */
    boolean isJsonLines(String input) {
        String f = format.toLowerCase(Locale.ROOT);
        return f.equals("jsonl") || (f.equals("auto") && !input.equals("-") && TextPairFile.isJsonLines(Path.of(input)));
    }
}
