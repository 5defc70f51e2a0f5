package io.mtl4j.model.torchbin;

import io.mtl4j.model.safetensors.DType;
import io.mtl4j.model.torchbin.RestrictedUnpickler.Tuple;
import io.mtl4j.model.torchbin.TensorRef.StorageRef;
import io.mtl4j.util.UserError;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a state dict written by {@code torch.save}: the zip format (torch ≥ 1.6) or the legacy
 * one (a sequence of pickles followed by the raw storages), through {@link RestrictedUnpickler}.
 * Every tensor comes out contiguous (row-major), whatever its strides or storage sharing.
 *
 * <p>{@link #open} unpickles the state dict (small) and so knows every tensor's name, dtype and
 * shape before reading any storage; {@link StateDict#readTensors} then reads one storage at a
 * time and hands over the tensors over it, so a conversion needs heap for about the largest
 * storage, not for the whole file (1.3 GB for bert-large).
 */
public final class TorchBinReader {
    /**
     * One tensor of the state dict, in file order; {@code data} is little-endian, row-major and
     * read-only.
     */
    public record StoredTensor(String name, DType dtype, long[] shape, ByteBuffer data) {
    }

    /** A tensor's name, dtype and shape, known from the pickle before its storage is read. */
    public record TensorHeader(String name, DType dtype, long[] shape) {
    }

    /** Takes tensors one at a time; {@code data} is only valid during the call. */
    @FunctionalInterface
    public interface TensorSink {
        /** The data of {@code tensors().get(index)}: little-endian, row-major, read-only. */
        void accept(int index, ByteBuffer data) throws IOException;
    }

    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long LEGACY_PROTOCOL = 1001;

    private TorchBinReader() {
    }

    /**
     * Every tensor of {@code file} at once: for tests and small files, as it holds the whole state
     * dict in memory; a conversion uses {@link #open}.
     */
    public static List<StoredTensor> read(Path file) {
        try (StateDict dict = open(file)) {
            List<TensorHeader> headers = dict.tensors();
            ByteBuffer[] data = new ByteBuffer[headers.size()];
            dict.readTensors((index, buffer) -> data[index] = ByteBuffer.allocate(buffer.remaining())
                    .put(buffer.duplicate()).flip().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
            List<StoredTensor> out = new ArrayList<>(headers.size());
            for (int i = 0; i < headers.size(); i++) {
                TensorHeader h = headers.get(i);
                out.add(new StoredTensor(h.name(), h.dtype(), h.shape(), data[i]));
            }
            return out;
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Unpickles {@code file}'s state dict, reading none of its storages yet; the caller closes it. */
    public static StateDict open(Path file) {
        return translatingReadErrors(file, () -> isZip(file) ? openZip(file) : openLegacy(file));
    }

    /**
     * A state dict whose pickle is read and checked, and whose storages are read by
     * {@link #readTensors}, once.
     */
    public static final class StateDict implements Closeable {
        private final Path file;
        private final Map<String, TensorRef> refs;
        private final List<TensorHeader> headers;
        private final Storages storages;
        private final Closeable source;
        private boolean read;

        private StateDict(Path file, Map<String, TensorRef> refs, Storages storages, Closeable source) {
            this.file = file;
            this.refs = refs;
            this.storages = storages;
            this.source = source;
            this.headers = refs.entrySet().stream().map(e -> new TensorHeader(e.getKey(),
                    e.getValue().storage().dtype(), e.getValue().shape())).toList();
        }

        /** The state dict's tensors in file order, the order of the indices {@link #readTensors} gives. */
        public List<TensorHeader> tensors() {
            return headers;
        }

        /**
         * Reads the storages one at a time, each once, and hands {@code sink} every tensor over
         * the one just read (its strided view copied out when not contiguous) before reading the
         * next; so tensors come grouped by storage, not in file order. A malformed or truncated
         * file is a {@link UserError}; an IOException is the sink's.
         */
        public void readTensors(TensorSink sink) throws IOException {
            if (read) {
                throw new IllegalStateException(file + ": tensors already read");
            }
            read = true;
            Map<String, List<Integer>> users = usersByStorage();
            Set<String> seen = new HashSet<>();
            try {
                translatingReadErrors(file, () -> {
                    storages.forEach((key, storage) -> {
                        if (!seen.add(key)) {
                            throw new UserError(file + ": storage " + key + " appears twice");
                        }
                        for (int index : users.getOrDefault(key, List.of())) {
                            TensorHeader h = headers.get(index);
                            ByteBuffer data = StridedCopy.copy(file, h.name(), refs.get(h.name()), storage);
                            try {
                                sink.accept(index, data);
                            } catch (IOException e) {
                                throw new SinkFailed(e);
                            }
                        }
                    });
                    return null;
                });
            } catch (SinkFailed e) {
                throw e.getCause();
            }
            for (TensorHeader h : headers) {
                String key = refs.get(h.name()).storage().key();
                if (!seen.contains(key)) {
                    throw new UserError(file + ": storage " + key + " of " + h.name() + " is missing");
                }
            }
        }

        /** For each storage key, the indices of the tensors over it. */
        private Map<String, List<Integer>> usersByStorage() {
            Map<String, List<Integer>> users = new LinkedHashMap<>();
            for (int i = 0; i < headers.size(); i++) {
                String key = refs.get(headers.get(i).name()).storage().key();
                users.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            }
            return users;
        }

        @Override
        public void close() throws IOException {
            source.close();
        }
    }

    /** A sink's IOException, carried through the read-error translation unchanged. */
    private static final class SinkFailed extends RuntimeException {
        SinkFailed(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /** A file's storages, read one at a time. */
    private interface Storages {
        void forEach(StorageVisitor visitor) throws IOException;
    }

    private interface StorageVisitor {
        void accept(String key, byte[] storage) throws IOException;
    }

    private interface IoAction<T> {
        T run() throws IOException;
    }

    /** Runs {@code action}, turning a truncated, oversized or unreadable file into a one-line UserError. */
    private static <T> T translatingReadErrors(Path file, IoAction<T> action) {
        try {
            return action.run();
        } catch (EOFException e) {
            throw new UserError(file + ": truncated (" + e.getMessage() + ")");
        } catch (ArithmeticException e) {
            throw new UserError(file + ": not a torch state dict: a tensor's size overflows");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        }
    }

    private static StateDict openZip(Path file) throws IOException {
        ZipFile zip = new ZipFile(file.toFile());
        try {
            String prefix = null;
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                String name = e.getName();
                if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                    break;
                }
            }
            if (prefix == null) {
                throw new UserError(file + ": a zip file without <archive>/data.pkl; not a torch.save file");
            }
            ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
            if (byteorder != null) {
                String order = new String(zip.getInputStream(byteorder).readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (!order.equals("little")) {
                    throw new UserError(file + ": storages are " + order + "-endian; mtl4j reads little-endian files only");
                }
            }
            Object root;
            try (InputStream pkl = new BufferedInputStream(zip.getInputStream(zip.getEntry(prefix + "data.pkl")))) {
                root = new RestrictedUnpickler(pkl, file.toString(), pid -> zipStorage(file, pid)).load();
            }
            Map<String, TensorRef> refs = tensors(file, root);
            return new StateDict(file, refs, zipStorages(file, zip, prefix, refs), zip);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** The zip's storages that tensors use, each once, in the order of their first use: entries are random access. */
    private static Storages zipStorages(Path file, ZipFile zip, String prefix, Map<String, TensorRef> refs) {
        return visitor -> {
            Set<String> keys = new LinkedHashSet<>();
            refs.values().forEach(t -> keys.add(t.storage().key()));
            for (String key : keys) {
                ZipEntry entry = zip.getEntry(prefix + "data/" + key);
                if (entry == null) {
                    throw new UserError(file + ": storage " + key + " is missing from the archive");
                }
                byte[] storage;
                try (InputStream in = zip.getInputStream(entry)) {
                    storage = readStorage(file, in, entry.getSize());
                }
                visitor.accept(key, storage);
            }
        };
    }

    /** Zip-format persistent id: {@code ('storage', storage_type, key, location, numel)}. */
    private static StorageRef zipStorage(Path file, Tuple pid) {
        List<Object> p = pid.items();
        if (p.size() < 5 || !"storage".equals(p.get(0)) || !(p.get(1) instanceof TorchGlobals.StorageType type)
                || !(p.get(2) instanceof String key) || !(p.get(4) instanceof Long numel)) {
            throw new UserError(file + ": not a torch state dict: a persistent id is not ('storage', type, key, location, numel)");
        }
        return new StorageRef(key, type.dtype(), numel);
    }

    private static StateDict openLegacy(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20);
        try {
            String name = file.toString();
            Function<Tuple, Object> noPersistentIds = pid -> {
                throw new UserError(name + ": not a torch state dict: persistent id in the header");
            };
            Object magic = new RestrictedUnpickler(in, name, noPersistentIds).load();
            if (!LEGACY_MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
                throw new UserError(file + ": neither a zip nor a legacy torch.save file (bad magic number)");
            }
            Object protocol = new RestrictedUnpickler(in, name, noPersistentIds).load();
            if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
                throw new UserError(file + ": legacy torch.save protocol " + protocol + "; mtl4j reads " + LEGACY_PROTOCOL);
            }
            Object sysInfo = new RestrictedUnpickler(in, name, noPersistentIds).load();
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw new UserError(file + ": written on a big-endian machine; mtl4j reads little-endian files only");
            }
            Object root = new RestrictedUnpickler(in, name, pid -> legacyStorage(file, pid)).load();
            Map<String, TensorRef> refs = tensors(file, root);
            Object keys = new RestrictedUnpickler(in, name, noPersistentIds).load();
            if (!(keys instanceof List<?> keyList)) {
                throw new UserError(file + ": not a torch state dict: no storage key list");
            }
            return new StateDict(file, refs, legacyStorages(file, new DataInputStream(in), keyList, refs), in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * The storages following the pickles, in the order of the key list, each a little-endian
     * element count and the elements: read sequentially, so each once, wherever its tensors are.
     */
    private static Storages legacyStorages(Path file, DataInputStream data, List<?> keyList,
                                           Map<String, TensorRef> refs) {
        Map<String, DType> dtypes = new HashMap<>();
        refs.values().forEach(t -> dtypes.put(t.storage().key(), t.storage().dtype()));
        return visitor -> {
            for (Object k : keyList) {
                String key = String.valueOf(k);
                long numel = Long.reverseBytes(data.readLong());
                DType dtype = dtypes.get(key);
                if (dtype == null) {
                    throw new UserError(file + ": storage " + key + " is not used by any tensor");
                }
                visitor.accept(key, readStorage(file, data, Math.multiplyExact(numel, dtype.bytes())));
            }
        };
    }

    /** Legacy persistent id: {@code ('storage', storage_type, root_key, location, numel, view_metadata)}. */
    private static StorageRef legacyStorage(Path file, Tuple pid) {
        List<Object> p = pid.items();
        if (p.size() == 6 && p.get(5) != null) {
            throw new UserError(file + ": storage views (torch < 1.0 files) are not supported; re-save the model");
        }
        return zipStorage(file, pid);
    }

    private static byte[] readStorage(Path file, InputStream in, long bytes) throws IOException {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - 8) {
            throw new UserError(file + ": a storage of " + bytes + " bytes; mtl4j reads storages under 2 GiB");
        }
        byte[] data;
        int read;
        if (bytes <= Files.size(file)) {
            // Into one array of the final size: readNBytes(int) gathers chunks and copies them,
            // holding the storage twice at the end.
            data = new byte[(int) bytes];
            read = in.readNBytes(data, 0, data.length);
        } else {
            // More than the whole file: malformed or a compressed entry. Chunks allocate only what
            // is really there, where one array would allocate whatever size the file claims.
            data = in.readNBytes((int) bytes);
            read = data.length;
        }
        if (read != bytes) {
            throw new EOFException("a storage ends after " + read + " of " + bytes + " bytes");
        }
        return data;
    }

    /** The state dict's tensors by name, in order; anything else in it is an error naming the entry. */
    private static Map<String, TensorRef> tensors(Path file, Object root) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new UserError(file + ": not a state dict (the pickle holds a " + typeName(root) + ")");
        }
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorRef t)) {
                throw new UserError(file + ": state dict entry " + printable(e.getKey()) + " is a "
                        + typeName(e.getValue()) + ", not a tensor");
            }
            out.put(name, t);
        }
        return out;
    }

    private static String printable(Object key) {
        String text = key instanceof String || key instanceof Number || key instanceof Boolean ? key.toString()
                : typeName(key);
        text = text.replaceAll("\\p{Cntrl}", "?");
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
