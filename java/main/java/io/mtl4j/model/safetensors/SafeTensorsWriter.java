package io.mtl4j.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes safetensors files: header JSON padded to 8 bytes, then tensors back to back. */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor to write; {@code data} holds exactly numel × dtype bytes, little-endian. */
    public record Entry(String name, DType dtype, long[] shape, ByteBuffer data) {
    }

    private SafeTensorsWriter() {
    }

    /** Writes {@code entries} to {@code path} (not atomically: callers write to a temp file and rename). */
    public static void write(Path path, List<Entry> entries, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        List<ByteBuffer> payloads = new ArrayList<>();
        for (Entry e : entries) {
            long expected = e.dtype().bytes();
            for (long d : e.shape()) {
                expected *= d;
            }
            if (e.data().remaining() != expected) {
                throw new IllegalArgumentException("tensor " + e.name() + ": " + e.data().remaining()
                        + " bytes given, " + expected + " expected");
            }
            ObjectNode node = header.putObject(e.name());
            node.put("dtype", e.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(offset).add(offset + expected);
            offset += expected;
            payloads.add(e.data().duplicate());
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, head);
            for (ByteBuffer payload : payloads) {
                writeFully(out, payload);
            }
            out.force(true);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

}
