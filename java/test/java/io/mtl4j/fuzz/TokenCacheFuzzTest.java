package io.mtl4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtl4j.data.TokenCache;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link TokenCache#read} of a fuzzed cache file, with the key {@code loadOrBuild} would pass
 * (the one stored in the file). A cache the reader accepts must survive a write/read round trip.
 */
class TokenCacheFuzzTest {

    /** The raw bytes: mostly exercises the header checks and the CRC. */
    @FuzzTest
    void read(byte[] data) throws IOException {
        readAndRoundTrip(data);
    }

    /**
     * The same bytes with a correct CRC32 in the last four bytes, so the fuzzer gets past the
     * checksum to the length fields and the payload.
     */
    @FuzzTest
    void readWithValidChecksum(byte[] data) throws IOException {
        if (data.length >= 4) {
            CRC32 crc = new CRC32();
            crc.update(data, 0, data.length - 4);
            ByteBuffer.wrap(data, data.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        }
        readAndRoundTrip(data);
    }

    private static void readAndRoundTrip(byte[] data) throws IOException {
        Path dir = FuzzFiles.dir("tokcache");
        Path file = FuzzFiles.write(dir, "train.len128.tok", data);
        String key = TokenCache.storedKey(file);
        List<TokenizedExample> examples;
        try {
            examples = TokenCache.read(file, key);
        } catch (UserError e) {
            FuzzFiles.checkUserError(e, file);
            return;
        }
        Path again = dir.resolve("again.tok");
        TokenCache.write(again, key, examples);
        assertEquals(examples, TokenCache.read(again, key));
    }
}
