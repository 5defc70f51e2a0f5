package io.mtl4j.model.safetensors;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsFileTest {
    @TempDir
    Path dir;

    private static ByteBuffer floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.flip();
    }

    @Test
    void writesAndReadsBack() throws Exception {
        Path file = dir.resolve("m.safetensors");
        SafeTensorsWriter.write(file, List.of(
                new SafeTensorsWriter.Entry("a", DType.F32, new long[]{2, 2}, floats(1, 2, 3, 4)),
                new SafeTensorsWriter.Entry("b", DType.F32, new long[]{1}, floats(5))), Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8, "header is padded to 8 bytes");
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            TensorInfo a = st.tensors().get("a");
            assertArrayEquals(new long[]{2, 2}, a.shape());
            ByteBuffer data = st.map(a);
            assertEquals(3f, data.getFloat(8));
            assertEquals(5f, st.map(st.tensors().get("b")).getFloat(0));
        }
    }

    @Test
    void tensorsStreamedInAnyOrderGiveTheBytesOfAllAtOnce() throws Exception {
        List<SafeTensorsWriter.Entry> entries = List.of(
                new SafeTensorsWriter.Entry("a", DType.F32, new long[]{2, 2}, floats(1, 2, 3, 4)),
                new SafeTensorsWriter.Entry("empty", DType.F32, new long[]{0, 3}, floats()),
                new SafeTensorsWriter.Entry("b", DType.F32, new long[]{1}, floats(5)));
        Path all = dir.resolve("all.safetensors");
        SafeTensorsWriter.write(all, entries, Map.of("format", "pt"));
        Path streamed = dir.resolve("streamed.safetensors");
        try (SafeTensorsWriter.Streaming out = SafeTensorsWriter.open(streamed,
                entries.stream().map(SafeTensorsWriter.Entry::spec).toList(), Map.of("format", "pt"))) {
            for (int i : new int[]{2, 0, 1}) {
                out.write(i, entries.get(i).data());
            }
            out.finish();
        }
        assertArrayEquals(Files.readAllBytes(all), Files.readAllBytes(streamed));

        try (SafeTensorsWriter.Streaming out = SafeTensorsWriter.open(dir.resolve("partial.safetensors"),
                entries.stream().map(SafeTensorsWriter.Entry::spec).toList(), Map.of())) {
            out.write(0, entries.get(0).data());
            assertThrows(IllegalStateException.class, () -> out.write(0, entries.get(0).data()));
            assertThrows(IllegalArgumentException.class, () -> out.write(2, floats(1, 2)));
            assertThrows(IllegalStateException.class, out::finish);
        }
    }

    private Path raw(String header, int dataBytes) throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private String errorOf(Path file) {
        UserError e = assertThrows(UserError.class, () -> SafeTensorsFile.open(file).close());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void rejectsHeaderLengthBeyondTheFile() throws Exception {
        Path file = dir.resolve("t.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putLong(0);
        Files.write(file, b.array());
        assertTrue(errorOf(file).contains("truncated"));
    }

    @Test
    void rejectsHugeOrNegativeHeaderLengths() throws Exception {
        Path file = dir.resolve("t.safetensors");
        Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).putLong(0).array());
        assertTrue(errorOf(file).contains("out of range"));
        Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).putLong(0).array());
        assertTrue(errorOf(file).contains("out of range"));
    }

    @Test
    void rejectsFilesTooShortForAHeader() throws Exception {
        Path file = dir.resolve("t.safetensors");
        Files.write(file, new byte[3]);
        assertTrue(errorOf(file).contains("too short"));
    }

    @Test
    void rejectsOffsetsOutOfRange() throws Exception {
        assertTrue(errorOf(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8)).contains("out of range"));
        assertTrue(errorOf(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8)).contains("out of range"));
    }

    @Test
    void rejectsUnknownDtypes() throws Exception {
        assertTrue(errorOf(raw("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1)).contains("not supported"));
    }

    @Test
    void rejectsShapeAndLengthMismatch() throws Exception {
        assertTrue(errorOf(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)).contains("needs 12 bytes"));
    }

    @Test
    void rejectsOverlappingTensors() throws Exception {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(errorOf(raw(header, 12)).contains("overlap"));
    }

    @Test
    void rejectsGapsAndTrailingBytesAsTheReferenceDoes() throws Exception {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        assertTrue(errorOf(raw("{" + a + "}", 12)).contains("4 bytes after the last tensor"));
        String gap = "{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}";
        assertTrue(errorOf(raw(gap, 16)).contains("bytes 8 to 12 of the data section belong to no tensor (before b)"));
        String late = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(errorOf(raw(late, 8)).contains("bytes 0 to 4"));
        String empty = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}," + a + "}";
        SafeTensorsFile.open(raw(empty, 8)).close(); // a zero-size tensor at the end tiles too
    }

    @Test
    void rejectsOverflowingShapes() throws Exception {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807,4],\"data_offsets\":[0,8]}}";
        assertTrue(errorOf(raw(header, 8)).contains("overflows"));
    }

    @Test
    void rejectsMalformedJson() throws Exception {
        assertTrue(errorOf(raw("{\"a\": [", 0)).contains("not valid JSON"));
        assertTrue(errorOf(raw("[1, 2]", 0)).contains("not a JSON object"));
        assertTrue(errorOf(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0)).contains("non-negative"));
    }
}
