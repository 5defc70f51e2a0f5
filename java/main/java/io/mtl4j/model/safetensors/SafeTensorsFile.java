package io.mtl4j.model.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, read by mtl4j's own parser: an 8-byte little-endian header length N,
 * N bytes of JSON ({@code name -> {dtype, shape, data_offsets}} plus an optional
 * {@code __metadata__} map of strings), then the raw little-endian tensor data.
 *
 * <p>Every field of the header is validated against the file before any tensor is touched, so a
 * truncated or hostile file gets a {@link UserError} naming the file and the problem, never a
 * crash or an allocation sized by an untrusted length.
 */
public final class SafeTensorsFile implements AutoCloseable {
    /** The reference implementation's limit on the header size. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, FileChannel channel, long dataStart,
                            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UserError(path + ": cannot open safetensors file: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
        try {
            long fileSize = channel.size();
            ByteBuffer lengthBytes = readFully(channel, 0, 8, path, fileSize);
            long headerLength = lengthBytes.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw corrupt(path, "header length " + headerLength + " is out of range");
            }
            if (8 + headerLength > fileSize) {
                throw corrupt(path, "header length " + headerLength + " runs past the end of the file ("
                        + fileSize + " bytes): the file is truncated");
            }
            ByteBuffer header = readFully(channel, 8, (int) headerLength, path, fileSize);
            long dataStart = 8 + headerLength;
            Parsed parsed = parseHeader(path, header, fileSize - dataStart);
            return new SafeTensorsFile(path, channel, dataStart, parsed.tensors, parsed.metadata);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UserError(path + ": cannot read safetensors file: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
    }

    private record Parsed(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    /** Parses and validates a header against the size of the data section that follows it. */
    static Parsed parseHeader(Path path, ByteBuffer header, long dataLength) {
        byte[] bytes = new byte[header.remaining()];
        header.get(bytes);
        JsonNode root;
        try {
            root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw corrupt(path, "header is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw corrupt(path, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) {
                    throw corrupt(path, "__metadata__ is not an object");
                }
                node.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw corrupt(path, "__metadata__." + m.getKey() + " is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            tensors.put(name, parseEntry(path, name, node, dataLength));
        }
        checkLayout(path, tensors.values(), dataLength);
        return new Parsed(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataLength) {
        if (!node.isObject()) {
            throw corrupt(path, "tensor " + name + ": entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw corrupt(path, "tensor " + name + ": missing dtype");
        }
        DType dtype = DType.parse(dtypeNode.asText());
        if (dtype == null) {
            throw corrupt(path, "tensor " + name + ": dtype " + dtypeNode.asText() + " is not supported");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw corrupt(path, "tensor " + name + ": missing shape");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw corrupt(path, "tensor " + name + ": shape " + shapeNode + " is not a list of non-negative integers");
            }
            shape[i] = d.asLong();
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw corrupt(path, "tensor " + name + ": data_offsets must be two integers");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLength) {
            throw corrupt(path, "tensor " + name + ": data_offsets [" + begin + ", " + end
                    + "] are out of range (data section is " + dataLength + " bytes)");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.numel(), (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw corrupt(path, "tensor " + name + ": shape " + shapeNode + " overflows");
        }
        if (expected != end - begin) {
            throw corrupt(path, "tensor " + name + ": " + dtype + shapeNode + " needs " + expected
                    + " bytes but data_offsets give " + (end - begin));
        }
        return info;
    }

    /**
     * The tensors must tile the data section exactly, from byte 0 to its end, as the reference
     * implementation requires: a gap, an overlap or trailing bytes mean a damaged or foreign file
     * (a concatenation, a download appended to), not one to read in part.
     */
    private static void checkLayout(Path path, Iterable<TensorInfo> infos, long dataLength) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expectedBegin = 0;
        TensorInfo prev = null;
        for (TensorInfo cur : sorted) {
            if (cur.begin() < expectedBegin) {
                throw corrupt(path, "tensors " + prev.name() + " and " + cur.name() + " overlap in the data section");
            }
            if (cur.begin() > expectedBegin) {
                throw corrupt(path, "bytes " + expectedBegin + " to " + cur.begin() + " of the data section belong to no tensor"
                        + " (before " + cur.name() + ")");
            }
            expectedBegin = cur.end();
            prev = cur;
        }
        if (expectedBegin != dataLength) {
            throw corrupt(path, "the data section has " + (dataLength - expectedBegin) + " bytes after the last tensor"
                    + " (" + dataLength + " bytes, tensors end at " + expectedBegin + ")");
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Maps a tensor's bytes read-only (little-endian). The mapping stays valid after this file is
     * closed; it is released when the buffer is garbage collected.
     */
    public ByteBuffer map(TensorInfo info) {
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new UserError(path + ": tensor " + info.name() + " is larger than 2 GiB; mtl4j reads tensors up to 2 GiB");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UserError(path + ": cannot read tensor " + info.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a tensor's bytes into {@code dst} (e.g. a direct buffer over a tensor's memory),
     * without mapping the file, so no mapping outlives the read.
     */
    public void readInto(TensorInfo info, long offset, ByteBuffer dst) {
        if (offset < 0 || offset + dst.remaining() > info.byteLength()) {
            throw new IllegalArgumentException("bytes [" + offset + ", " + (offset + dst.remaining())
                    + ") are outside tensor " + info.name() + " of " + info.byteLength() + " bytes");
        }
        long position = dataStart + info.begin() + offset;
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, position);
                if (n < 0) {
                    throw corrupt(path, "unexpected end of file in tensor " + info.name());
                }
                position += n;
            }
        } catch (IOException e) {
            throw new UserError(path + ": cannot read tensor " + info.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, Path path, long fileSize)
            throws IOException {
        if (position + length > fileSize) {
            throw corrupt(path, "file is " + fileSize + " bytes, too short for a safetensors header");
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw corrupt(path, "unexpected end of file");
            }
        }
        buffer.flip();
        return buffer;
    }

    static UserError corrupt(Path path, String reason) {
        return new UserError(path + ": corrupt safetensors file: " + reason);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a read-only channel cannot lose data.
        }
    }

    static {
        // Bound what a hostile header can make Jackson allocate.
        StreamReadConstraints.overrideDefaultStreamReadConstraints(
                StreamReadConstraints.builder().maxStringLength((int) MAX_HEADER_BYTES).build());
    }
}
