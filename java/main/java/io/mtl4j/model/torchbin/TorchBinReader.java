package io.mtl4j.model.torchbin;

import io.mtl4j.model.safetensors.DType;
import io.mtl4j.model.torchbin.RestrictedUnpickler.Tuple;
import io.mtl4j.model.torchbin.TensorRef.StorageRef;
import io.mtl4j.util.UserError;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a state dict written by {@code torch.save}: the zip format (torch ≥ 1.6) or the legacy
 * one (a sequence of pickles followed by the raw storages), through {@link RestrictedUnpickler}.
 * Every tensor comes out contiguous (row-major), whatever its strides or storage sharing.
 */
public final class TorchBinReader {
    /**
     * One tensor of the state dict, in file order; {@code data} is little-endian, row-major and
     * read-only (it may be a slice of a storage another tensor also uses).
     */
    public record StoredTensor(String name, DType dtype, long[] shape, ByteBuffer data) {
    }

    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long LEGACY_PROTOCOL = 1001;

    private TorchBinReader() {
    }

    public static List<StoredTensor> read(Path file) {
        try {
            return isZip(file) ? readZip(file) : readLegacy(file);
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

    private static List<StoredTensor> readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
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
            Map<String, byte[]> storages = new HashMap<>();
            for (TensorRef t : refs.values()) {
                String key = t.storage().key();
                if (!storages.containsKey(key)) {
                    ZipEntry entry = zip.getEntry(prefix + "data/" + key);
                    if (entry == null) {
                        throw new UserError(file + ": storage " + key + " is missing from the archive");
                    }
                    try (InputStream in = zip.getInputStream(entry)) {
                        storages.put(key, readStorage(file, in, entry.getSize()));
                    }
                }
            }
            return materialise(file, refs, storages);
        }
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

    private static List<StoredTensor> readLegacy(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
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
            Map<String, DType> dtypes = new HashMap<>();
            refs.values().forEach(t -> dtypes.put(t.storage().key(), t.storage().dtype()));
            DataInputStream data = new DataInputStream(in);
            Map<String, byte[]> storages = new HashMap<>();
            for (Object k : keyList) {
                String key = String.valueOf(k);
                long numel = Long.reverseBytes(data.readLong());
                DType dtype = dtypes.get(key);
                if (dtype == null) {
                    throw new UserError(file + ": storage " + key + " is not used by any tensor");
                }
                storages.put(key, readStorage(file, data, Math.multiplyExact(numel, dtype.bytes())));
            }
            return materialise(file, refs, storages);
        }
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
        byte[] data = in.readNBytes((int) bytes);
        if (data.length != bytes) {
            throw new EOFException("a storage ends after " + data.length + " of " + bytes + " bytes");
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

    private static List<StoredTensor> materialise(Path file, Map<String, TensorRef> refs, Map<String, byte[]> storages) {
        List<StoredTensor> out = new ArrayList<>(refs.size());
        for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
            TensorRef t = e.getValue();
            byte[] storage = storages.get(t.storage().key());
            if (storage == null) {
                throw new UserError(file + ": storage " + t.storage().key() + " of " + e.getKey() + " is missing");
            }
            out.add(new StoredTensor(e.getKey(), t.storage().dtype(), t.shape(), StridedCopy.copy(file, e.getKey(), t, storage)));
        }
        return out;
    }
}
