package io.mtl4j.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/** Writes safetensors files: header JSON padded to 8 bytes, then tensors back to back. */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor to write; {@code data} holds exactly numel × dtype bytes, little-endian. */
    public record Entry(String name, DType dtype, long[] shape, ByteBuffer data) {
        public Spec spec() {
            return new Spec(name, dtype, shape);
        }
    }

    /** A tensor's header fields: all a file's header needs, before any of its data is at hand. */
    public record Spec(String name, DType dtype, long[] shape) {
        /** numel × dtype size: the bytes its data must hold. */
        public long bytes() {
            long bytes = dtype.bytes();
            for (long d : shape) {
                bytes *= d;
            }
            return bytes;
        }
    }

    private SafeTensorsWriter() {
    }

    /** Writes {@code entries} to {@code path} (not atomically: callers write to a temp file and rename). */
    public static void write(Path path, List<Entry> entries, Map<String, String> metadata) throws IOException {
        for (Entry e : entries) {
            checkSize(e.spec(), e.data());
        }
        try (Streaming out = open(path, entries.stream().map(Entry::spec).toList(), metadata)) {
            for (int i = 0; i < entries.size(); i++) {
                out.write(i, entries.get(i).data());
            }
            out.finish();
        }
    }

    /**
     * Starts a file of the tensors {@code specs}, in that order, writing its header: their data is
     * then given one at a time, in any order, so that a writer need not hold them all (a converted
     * pytorch_model.bin of 1.3 GB would otherwise need as much heap). The bytes are those
     * {@link #write} gives for the same tensors. Not atomic: callers write to a temp file and rename.
     */
    public static Streaming open(Path path, List<Spec> specs, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long[] offsets = new long[specs.size()];
        long offset = 0;
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            ObjectNode node = header.putObject(s.name());
            node.put("dtype", s.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : s.shape()) {
                shape.add(d);
            }
            offsets[i] = offset;
            node.putArray("data_offsets").add(offset).add(offset + s.bytes());
            offset += s.bytes();
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
        FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            writeFully(out, head);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
        return new Streaming(out, specs, offsets, 8L + padded, Files.isRegularFile(path));
    }

    /**
     * A file whose header is written and whose tensors' data are written one by one, each at its
     * offset. Data given in file order is appended, so {@link #write} can still write through to a
     * FIFO (which has no positions).
     */
    public static final class Streaming implements Closeable {
        private final FileChannel out;
        private final List<Spec> specs;
        private final long[] offsets;
        private final long dataStart;
        private final boolean[] written;
        /** Where the bytes written in order so far end, that is the channel's position. */
        private long end;
        /** False for a FIFO or device written through, whose fsync fails (EINVAL) and would mean nothing. */
        private final boolean syncable;

        private Streaming(FileChannel out, List<Spec> specs, long[] offsets, long dataStart, boolean syncable) {
            this.out = out;
            this.syncable = syncable;
            this.specs = specs;
            this.offsets = offsets;
            this.dataStart = dataStart;
            this.written = new boolean[specs.size()];
            this.end = dataStart;
        }

        /** Writes the data of {@code specs.get(index)}, exactly its bytes; the buffer is not kept. */
        public void write(int index, ByteBuffer data) throws IOException {
            Spec spec = specs.get(index);
            checkSize(spec, data);
            if (written[index]) {
                throw new IllegalStateException("tensor " + spec.name() + " written twice");
            }
            long at = dataStart + offsets[index];
            if (at == end) {
                writeFully(out, data.duplicate());
                end += spec.bytes();
            } else {
                writeAt(out, data.duplicate(), at);
            }
            written[index] = true;
        }

        /** Checks that every tensor was written and forces a regular file to disk. */
        public void finish() throws IOException {
            for (int i = 0; i < written.length; i++) {
                if (!written[i]) {
                    throw new IllegalStateException("tensor " + specs.get(i).name() + " was never written");
                }
            }
            if (syncable) {
                out.force(true);
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    private static void checkSize(Spec spec, ByteBuffer data) {
        if (data.remaining() != spec.bytes()) {
            throw new IllegalArgumentException("tensor " + spec.name() + ": " + data.remaining()
                    + " bytes given, " + spec.bytes() + " expected");
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void writeAt(FileChannel out, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            position += out.write(buffer, position);
        }
    }
}
