package io.mtl4j.data;

import io.mtl4j.util.UserError;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Reads a file line by line ({@code \n} or {@code \r\n}), decoding each line as strict UTF-8.
 * A line with invalid UTF-8 is still returned (decoded with U+FFFD replacements, so that
 * record structure survives) together with the reason, so the caller can reject just that row.
 * A UTF-8 byte-order mark at the start of the file is dropped.
 */
final class Utf8Lines implements Closeable {

    /** One physical line. {@code utf8Error} is null when the bytes are valid UTF-8. */
    record Line(long number, String text, String utf8Error) {}

    private final InputStream in;
    private final CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] buf = new byte[8192];
    private long lineNumber;
    private boolean eof;

    Utf8Lines(Path file) throws IOException {
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        refuseCompressed(file);
    }

    /** A compressed file under a plain name would fail as "invalid UTF-8" on every line: say what it is. */
    private void refuseCompressed(Path file) throws IOException {
        in.mark(6);
        byte[] head = in.readNBytes(6);
        in.reset();
        String kind = startsWith(head, 0x1f, 0x8b) ? "gzip" : startsWith(head, 0x28, 0xb5, 0x2f, 0xfd) ? "zstd"
                : startsWith(head, 'B', 'Z', 'h') ? "bzip2" : startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0) ? "xz"
                : startsWith(head, 'P', 'K', 3, 4) ? "zip" : null;
        if (kind != null) {
            in.close();
            String tool = Map.of("gzip", "gunzip", "zstd", "unzstd", "bzip2", "bunzip2", "xz", "unxz", "zip", "unzip").get(kind);
            throw new UserError(file + ": " + kind + "-compressed; mtl4j reads it uncompressed: " + tool + " it first");
        }
    }

    private static boolean startsWith(byte[] head, int... magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** The next line, or null at end of file. */
    Line next() throws IOException {
        if (eof) {
            return null;
        }
        int len = 0;
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[len++] = (byte) b;
        }
        if (b == -1) {
            eof = true;
            if (len == 0) {
                return null;
            }
        }
        lineNumber++;
        if (len > 0 && buf[len - 1] == '\r') {
            len--;
        }
        int start = 0;
        if (lineNumber == 1 && len >= 3 && (buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB
                && (buf[2] & 0xff) == 0xBF) {
            start = 3;
        }
        return decode(start, len - start);
    }

    private Line decode(int start, int len) {
        ByteBuffer bytes = ByteBuffer.wrap(buf, start, len);
        CharBuffer chars = CharBuffer.allocate(len); // UTF-8 never yields more chars than bytes
        strict.reset();
        CoderResult r = strict.decode(bytes, chars, true);
        if (!r.isError()) {
            r = strict.flush(chars);
        }
        if (r.isError()) {
            int offset = bytes.position() - start;
            String lenient = new String(buf, start, len, StandardCharsets.UTF_8);
            return new Line(lineNumber, lenient, "invalid UTF-8 (byte " + (offset + 1) + " of the line)");
        }
        return new Line(lineNumber, chars.flip().toString(), null);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
