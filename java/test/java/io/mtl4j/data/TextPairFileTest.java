package io.mtl4j.data;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TextPairFileTest {
    @TempDir
    Path dir;

    @Test
    void readsAPipeAsShellProcessSubstitutionPassesIt() throws Exception {
        // predict --input <(cut -f2 data.tsv) hands mtl4j /dev/fd/N: a pipe, not a regular file
        Path fifo = dir.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available");
        Thread writer = new Thread(() -> {
            try {
                Files.write(fifo, "a great film\tfun\nboring\n".getBytes(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        List<TextPairFile.Pair> pairs = TextPairFile.read(fifo);
        writer.join();
        assertEquals(List.of(new TextPairFile.Pair("a great film", "fun", 1), new TextPairFile.Pair("boring", null, 2)), pairs);
    }

    @Test
    void anEmptyDeviceIsReadAndReportedEmpty() {
        UserError e = assertThrows(UserError.class, () -> TextPairFile.read(Path.of("/dev/null")));
        assertEquals("/dev/null: input is empty", e.getMessage());
    }

    @Test
    void aMissingFileOrADirectoryIsAOneLineError() {
        UserError missing = assertThrows(UserError.class, () -> TextPairFile.read(dir.resolve("nope.tsv")));
        assertEquals(dir.resolve("nope.tsv") + ": input file not found", missing.getMessage());
        UserError directory = assertThrows(UserError.class, () -> TextPairFile.read(dir));
        assertTrue(directory.getMessage().contains("is a directory"), directory.getMessage());
    }

    @Test
    void aBadJsonLineNamesFileLineAndTheParsersReasonOnOneLine() throws Exception {
        Path file = dir.resolve("in.jsonl");
        Files.writeString(file, "{\"text_a\": \"fine\"}\n{\"text_a\": \"cut\n");
        UserError e = assertThrows(UserError.class, () -> TextPairFile.read(file));
        assertTrue(e.getMessage().startsWith(file + ":2: not valid JSON: Unexpected end-of-input"), e.getMessage());
        assertFalse(e.getMessage().contains("Source:") || e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void twoJsonObjectsOnOneLineAreAnErrorNotTheFirstAlone() throws Exception {
        Path file = dir.resolve("in.jsonl");
        Files.writeString(file, "{\"text_a\": \"a\"}{\"text_a\": \"b\"}\n");
        UserError e = assertThrows(UserError.class, () -> TextPairFile.read(file));
        assertEquals(file + ":1: not valid JSON: more than one JSON value (a missing line break?)", e.getMessage());
    }

    @Test
    void aKeyRepeatedInAJsonLineIsAnErrorNotLastOneWins() throws Exception {
        // as the data readers: {"text_a": "x", "text_a": "y"} must not silently predict "y"
        Path file = dir.resolve("in.jsonl");
        Files.writeString(file, "{\"text_a\": \"fine\"}\n{\"text_a\": \"x\", \"text_a\": \"y\"}\n");
        UserError e = assertThrows(UserError.class, () -> TextPairFile.read(file));
        assertEquals(file + ":2: duplicate key 'text_a' at column 17", e.getMessage());
    }

    @Test
    void aJsonLineMayNameItsTextsByTheTasksOwnFields() throws Exception {
        Path file = dir.resolve("mnli.jsonl");
        Files.writeString(file, """
                {"premise": "a man sleeps", "hypothesis": "nobody sleeps", "label": 2}
                {"text_a": "x", "text_b": "y"}
                """);
        List<String> mnli = List.of("premise", "hypothesis");
        assertEquals(List.of(new TextPairFile.Pair("a man sleeps", "nobody sleeps", 1), new TextPairFile.Pair("x", "y", 2)),
                TextPairFile.read(file, mnli));
        Path sst2 = dir.resolve("sst2.jsonl");
        Files.writeString(sst2, "{\"sentence\": \"fun\", \"label\": 1}\n{\"text\": \"fun\"}\n");
        UserError e = assertThrows(UserError.class, () -> TextPairFile.read(sst2, List.of("sentence")));
        assertEquals(sst2 + ":2: text_a is missing or not a string (nor is sentence, the task's own field, there)", e.getMessage());
        UserError plain = assertThrows(UserError.class, () -> TextPairFile.read(sst2));
        assertEquals(sst2 + ":1: text_a is missing or not a string", plain.getMessage());
    }

    @Test
    void jsonLinesNamedDotJsonOrInCapitalsAreReadAsJsonNotAsText() throws Exception {
        // As the data readers take them (a task's data file may be .json): read as text lines, the model
        // would silently predict on the JSON source, {"sentence": ...} and all.
        for (String name : List.of("dev.json", "DEV.JSONL")) {
            Path file = dir.resolve(name);
            Files.writeString(file, "{\"sentence\": \"fun\", \"label\": 1}\n");
            assertEquals(List.of(new TextPairFile.Pair("fun", null, 1)), TextPairFile.read(file, List.of("sentence")), name);
            assertTrue(TextPairFile.isJsonLines(file), name);
        }
        assertFalse(TextPairFile.isJsonLines(dir.resolve("in.tsv")));
    }

    @Test
    void aByteOrderMarkAtTheStartIsDropped() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Path tsv = dir.resolve("bom.tsv");
        Files.write(tsv, concat(bom, "hello\tworld\r\nbye\r\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(new TextPairFile.Pair("hello", "world", 1), new TextPairFile.Pair("bye", null, 2)),
                TextPairFile.read(tsv));
        Path jsonl = dir.resolve("bom.jsonl");
        Files.write(jsonl, concat(bom, "{\"text_a\": \"hello\"}\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(new TextPairFile.Pair("hello", null, 1)), TextPairFile.read(jsonl));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
