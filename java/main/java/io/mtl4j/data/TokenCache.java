package io.mtl4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.AtomicFiles;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A binary cache of one tokenized split, so later runs skip tokenization.
 *
 * <p>Format (little-endian), version 1:
 * <pre>
 * magic "MTL4JTOK" (8 bytes) | version int32 | key (32 bytes, sha256) | count int32 |
 * idWidth int32 (2 = uint16 ids, 4 = int32 ids)
 * lengths int32[count] | labels int32[count] | scores float32[count]
 * ids (idWidth bytes each, sum(lengths)) | token types uint8 (sum(lengths))
 * crc32 int32 of everything before it
 * </pre>
 * The key ({@link #key}) is a sha256 over the tokenizer fingerprint, the data file's content
 * hash, the max length and how the task reads rows, so any changed input gives another key and
 * the cache is rebuilt. Every length field is checked against the file size before anything is
 * allocated, and the CRC must match: a corrupt file is reported (or rebuilt by
 * {@link #loadOrBuild}), never trusted.
 */
public final class TokenCache {
    private static final Logger LOG = LogManager.getLogger(TokenCache.class);
    private static final byte[] MAGIC = "MTL4JTOK".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /**
     * Bumped when the rules for which rows a split holds change (2: a regression target of -1 in a
     * labeled split is a label, no longer an unlabeled row), so no cache built under old rules is read.
     */
    static final int ROW_RULES = 2;
    /**
     * Bumped when the labels read for tasks whose label names are numbers change (1: a value equal
     * to a label name is that label in every format), so their caches built under old rules are not
     * read. Only those tasks' keys carry it: the keys of all other tasks, GLUE's among them, stay valid.
     */
    static final int NUMERIC_LABEL_RULES = 1;
    static final int HEADER = 8 + 4 + 32 + 4 + 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** No tokenizer produces longer sequences; a larger length field means corruption. */
    static final int MAX_LENGTH = 1 << 16;

    private TokenCache() {}

    /** Thrown for an unreadable cache file; a {@link UserError} naming the file and the reason. */
    public static final class CorruptCache extends UserError {
        private static final long serialVersionUID = 1L;

        CorruptCache(Path file, String reason) {
            super(file + ": corrupt token cache: " + reason + " (delete it to rebuild)");
        }
    }

    /**
     * The cache key: hex sha256 of the tokenizer fingerprint (e.g. {@code BertTokenizer.fingerprint()}),
     * the sha256 of the data file's bytes ({@code dataSha256}, that of the bytes the examples were read
     * from), the max length, how the task reads rows and the row rules.
     */
    public static String key(String tokenizerFingerprint, Path dataFile, String dataSha256, int maxLength,
                             TaskSpec task) {
        MessageDigest d = Hashing.sha256();
        String labelRules = ExampleBuilder.hasNumericLabelNames(task) ? "numeric-labels-v" + NUMERIC_LABEL_RULES + "\n" : "";
        d.update(("mtl4j-token-cache-v" + VERSION + "\n" + tokenizerFingerprint + "\n" + dataSha256 + "\n"
                + maxLength + "\n" + howRowsRead(task, dataFile) + "\nrows-v" + ROW_RULES + "\n" + labelRules)
                .getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d.digest());
    }

    /**
     * What of the task decides the rows read from {@code dataFile}. A built-in task: its declaration,
     * as ever, so that existing caches stay valid. A user task: its fields, labels and the file's
     * format only, so that editing its metrics, adding a split or moving its files does not re-tokenize;
     * as JSON, where the labels [a, b, c] and ["a, b", c] differ (in the declaration's toString they do not).
     */
    private static String howRowsRead(TaskSpec task, Path dataFile) {
        if (task.splitFiles().isEmpty()) {
            return task.toString();
        }
        Map<String, Object> rules = new LinkedHashMap<>();
        rules.put("name", task.name());
        rules.put("text_fields", task.textFields());
        rules.put("labels", task.labelNames());
        rules.put("regression", task.isRegression());
        rules.put("label_field", task.labelField());
        rules.put("format", DataFormat.fromExtension(dataFile).map(Enum::name).orElse(""));
        try {
            return "user-task " + JSON.writeValueAsString(rules);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the cache atomically (temporary file, then rename; see {@link AtomicFiles}). */
    public static void write(Path file, String key, List<TokenizedExample> examples) throws IOException {
        byte[] keyBytes = HexFormat.of().parseHex(key);
        if (keyBytes.length != 32) {
            throw new IllegalArgumentException("key must be a hex sha256");
        }
        long tokens = 0;
        int maxId = 0;
        for (TokenizedExample e : examples) {
            tokens += e.length();
            for (int id : e.inputIds()) {
                if (id < 0) {
                    throw new IllegalArgumentException("negative token id " + id);
                }
                maxId = Math.max(maxId, id);
            }
        }
        int idWidth = maxId <= 0xFFFF ? 2 : 4;
        long size = HEADER + 12L * examples.size() + tokens * (idWidth + 1) + 4;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("split too large for one cache file: " + size + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).put(keyBytes).putInt(examples.size()).putInt(idWidth);
        for (TokenizedExample e : examples) {
            b.putInt(e.length());
        }
        for (TokenizedExample e : examples) {
            b.putInt(e.label());
        }
        for (TokenizedExample e : examples) {
            b.putFloat(e.score());
        }
        for (TokenizedExample e : examples) {
            for (int id : e.inputIds()) {
                if (idWidth == 2) {
                    b.putShort((short) id);
                } else {
                    b.putInt(id);
                }
            }
        }
        for (TokenizedExample e : examples) {
            for (int t : e.tokenTypeIds()) {
                if (t < 0 || t > 255) {
                    throw new IllegalArgumentException("token type id out of range: " + t);
                }
                b.put((byte) t);
            }
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        // An ordinary 0644 file (not its temporary file's 0600), so other users of a shared cache read it.
        AtomicFiles.write(file, out -> out.write(b.array()));
    }

    /** The key stored in a cache file, or null if the file is too short or not a cache. */
    public static String storedKey(Path file) throws IOException {
        if (Files.size(file) < HEADER) {
            return null;
        }
        byte[] head = new byte[HEADER];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, HEADER) != HEADER) {
                return null;
            }
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC) || b.getInt() != VERSION) {
            return null;
        }
        byte[] key = new byte[32];
        b.get(key);
        return HexFormat.of().formatHex(key);
    }

    /**
     * Reads a cache file.
     *
     * @throws CorruptCache if the file is not a valid cache or its key is not {@code expectedKey}
     */
    public static List<TokenizedExample> read(Path file, String expectedKey) throws IOException {
        long fileSize = Files.size(file);
        if (fileSize < HEADER + 4) {
            throw new CorruptCache(file, "file too short (" + fileSize + " bytes)");
        }
        if (fileSize > Integer.MAX_VALUE - 8) {
            throw new CorruptCache(file, "file too large (" + fileSize + " bytes)");
        }
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CorruptCache(file, "not an mtl4j token cache (bad magic)");
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new CorruptCache(file, "unsupported version " + version);
        }
        byte[] key = new byte[32];
        b.get(key);
        if (!HexFormat.of().formatHex(key).equals(expectedKey)) {
            throw new CorruptCache(file, "key mismatch (made from other inputs)");
        }
        int count = b.getInt();
        int idWidth = b.getInt();
        if (idWidth != 2 && idWidth != 4) {
            throw new CorruptCache(file, "bad id width " + idWidth);
        }
        if (count < 0 || HEADER + 12L * count + 4 > all.length) {
            throw new CorruptCache(file, "example count " + count + " does not fit in " + all.length + " bytes");
        }
        int[] lengths = new int[count];
        long tokens = 0;
        for (int i = 0; i < count; i++) {
            lengths[i] = b.getInt();
            if (lengths[i] < 0 || lengths[i] > MAX_LENGTH) {
                throw new CorruptCache(file, "example " + i + " has impossible length " + lengths[i]);
            }
            tokens += lengths[i];
        }
        long expected = HEADER + 12L * count + tokens * (idWidth + 1) + 4;
        if (expected != all.length) {
            throw new CorruptCache(file, "size " + all.length + " bytes, lengths imply " + expected);
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(all, all.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()) {
            throw new CorruptCache(file, "checksum mismatch");
        }
        int[] labels = new int[count];
        b.asIntBuffer().get(labels);
        b.position(b.position() + 4 * count);
        for (int i = 0; i < count; i++) {
            if (labels[i] < -1) {
                throw new CorruptCache(file, "example " + i + " has impossible label " + labels[i]);
            }
        }
        float[] scores = new float[count];
        b.asFloatBuffer().get(scores);
        b.position(b.position() + 4 * count);
        int idsStart = b.position();
        int typesStart = (int) (idsStart + tokens * idWidth);
        List<TokenizedExample> out = new ArrayList<>(count);
        int idPos = idsStart;
        int typePos = typesStart;
        for (int i = 0; i < count; i++) {
            int[] ids = new int[lengths[i]];
            int[] types = new int[lengths[i]];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = idWidth == 2 ? Short.toUnsignedInt(b.getShort(idPos)) : b.getInt(idPos);
                if (ids[t] < 0) {
                    throw new CorruptCache(file, "example " + i + " has negative token id " + ids[t]);
                }
                idPos += idWidth;
                types[t] = Byte.toUnsignedInt(all[typePos++]);
            }
            out.add(new TokenizedExample(ids, types, labels[i], scores[i]));
        }
        return out;
    }

    /**
     * The cached split if {@code file} holds one for {@code key} that {@code fits}; otherwise
     * {@code build} is run and its result cached. A stale (other key) or corrupt file is rebuilt, with a
     * warning; so is one that does not fit the rows read (see {@code TokenizedSplits.cached}).
     */
    public static List<TokenizedExample> loadOrBuild(Path file, String key, Supplier<List<TokenizedExample>> build,
                                                     Predicate<List<TokenizedExample>> fits) {
        try {
            List<TokenizedExample> cached = readIfCurrent(file, key);
            if (cached != null && fits.test(cached)) {
                return cached;
            }
            if (cached != null) {
                LOG.info("{}: token cache holds other rows or labels than the file read (rules changed); rebuilding",
                        file);
            }
            List<TokenizedExample> built = build.get();
            write(file, key, built);
            return built;
        } catch (IOException e) {
            throw new UserError(file + ": token cache I/O error: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
    }

    /**
     * The split {@code file} caches for {@code key}, or null when there is none: no file (or one
     * another run's pruning removed meanwhile), a stale one or a corrupt one.
     */
    private static List<TokenizedExample> readIfCurrent(Path file, String key) throws IOException {
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            if (!key.equals(storedKey(file))) {
                LOG.info("{}: token cache is stale (inputs changed); rebuilding", file);
                return null;
            }
            return read(file, key);
        } catch (CorruptCache e) {
            LOG.warn("{}; rebuilding", e.getMessage());
            return null;
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** Records a use of {@code file}, for {@link #prune}'s least-recently-used order. */
    static void markUsed(Path file) {
        try {
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            LOG.debug("{}: cannot mark as used: {}", file, e.toString());
        }
    }

    /**
     * Deletes all but the {@code keep} most recently used cache files in {@code dir} whose names
     * start with {@code prefix} and end in {@code .tok}. Failures only cost disk space, so they are
     * logged, not thrown.
     */
    static void prune(Path dir, String prefix, int keep) {
        removeLeftoverWrites(dir, prefix);
        List<Path> files;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith(prefix) && name.endsWith(".tok") && Files.isRegularFile(p);
            }).sorted(java.util.Comparator.comparing(TokenCache::lastUsed).reversed()).toList();
        } catch (IOException e) {
            LOG.debug("{}: cannot list the token cache: {}", dir, e.toString());
            return;
        }
        for (Path old : files.subList(Math.min(keep, files.size()), files.size())) {
            try {
                Files.deleteIfExists(old);
                LOG.debug("{}: removed from the token cache (least recently used)", old);
            } catch (IOException e) {
                LOG.debug("{}: cannot remove: {}", old, e.toString());
            }
        }
    }

    /**
     * Removes the temporary files of cache files in {@code dir} starting with {@code prefix} that no
     * run can still be writing ({@link AtomicFiles#removeLeftovers}): those of a run killed mid-write.
     * Also those named as before {@link AtomicFiles} wrote the cache ({@code <name>.tok<digits>.tmp}).
     */
    private static void removeLeftoverWrites(Path dir, String prefix) {
        AtomicFiles.removeLeftovers(dir, name -> name.startsWith("." + prefix) && name.endsWith(AtomicFiles.TEMP_SUFFIX)
                || name.startsWith(prefix) && name.matches(".*\\.tok-?\\d+\\.tmp"));
    }

    private static java.nio.file.attribute.FileTime lastUsed(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }
}
