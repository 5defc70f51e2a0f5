package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.data.TextPairFile;
import io.mtl4j.util.UserError;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TextPairFile#read}, the input reader of {@code encode} and {@code predict}. */
class TextPairFileFuzzTest {

    @FuzzTest
    void readJsonl(byte[] data) {
        read(data, "input.jsonl");
    }

    @FuzzTest
    void readTsv(byte[] data) {
        read(data, "input.txt");
    }

    private static void read(byte[] data, String name) {
        Path file = FuzzFiles.write(FuzzFiles.dir("textpair"), name, data);
        try {
            List<TextPairFile.Pair> pairs = TextPairFile.read(file);
            assertFalse(pairs.isEmpty());
            for (TextPairFile.Pair p : pairs) {
                assertTrue(p.textA() != null && !p.textA().isBlank(), p.toString());
                assertTrue(p.textB() == null || !p.textB().isBlank(), p.toString());
                assertTrue(p.line() >= 1, p.toString());
            }
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, file);
        }
    }
}
