package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes a {@link SplitData} through any tokenizer, optionally via the {@link TokenCache}.
 * With {@code io.mtl4j.tokenize.BertTokenizer} the encoder is
 * <pre>
 * (a, b) -&gt; tok.encodeBatch(a, b).stream().map(e -&gt; new int[][] {e.inputIds(), e.tokenTypeIds()}).toList()
 * </pre>
 * and the fingerprint {@code tok.fingerprint()}.
 */
public final class TokenizedSplits {
    private TokenizedSplits() {}

    /** Encodes texts A (and B, or null for single-text tasks) into {inputIds, tokenTypeIds} per example. */
    @FunctionalInterface
    public interface BatchEncoder {
        List<int[][]> encode(List<String> textsA, List<String> textsBOrNull);
    }

    /** Tokenizes every example, keeping labels and scores. */
    public static List<TokenizedExample> encode(SplitData data, BatchEncoder encoder) {
        List<String> a = new ArrayList<>(data.examples().size());
        List<String> b = new ArrayList<>(data.examples().size());
        boolean pair = !data.examples().isEmpty() && data.examples().get(0).textB() != null;
        for (Example e : data.examples()) {
            a.add(e.textA());
            b.add(e.textB());
        }
        List<int[][]> enc = encoder.encode(a, pair ? b : null);
        if (enc.size() != a.size()) {
            throw new IllegalStateException("encoder returned " + enc.size() + " encodings for " + a.size() + " texts");
        }
        List<TokenizedExample> out = new ArrayList<>(enc.size());
        for (int i = 0; i < enc.size(); i++) {
            Example e = data.examples().get(i);
            out.add(new TokenizedExample(enc.get(i)[0], enc.get(i)[1], e.label(), e.score()));
        }
        return out;
    }

    /**
     * How many tokenizations of one task/split/max-length the cache keeps (the most recently used):
     * enough to alternate between models or data directories without re-tokenizing, bounded so the
     * cache does not grow with every data file ever seen.
     */
    public static final int KEEP_PER_SPLIT = 4;

    /**
     * Like {@link #encode}, through the cache file {@code cacheDir/<task>/<split>.len<maxLength>.<key>.tok}
     * (see {@link #cacheFile}); other inputs (tokenizer, data file, max length, task) give another
     * file. Past {@link #KEEP_PER_SPLIT} files for one task/split/max-length, the least recently used go.
     */
    public static List<TokenizedExample> cached(Path cacheDir, String tokenizerFingerprint, int maxLength,
            TaskSpec task, SplitData data, BatchEncoder encoder) {
        String key = TokenCache.key(tokenizerFingerprint, data.file(), data.fileSha256(), maxLength, task);
        Path file = cacheFile(cacheDir, task, data.split(), maxLength, key);
        List<TokenizedExample> examples = TokenCache.loadOrBuild(file, key, () -> encode(data, encoder),
                cached -> holdsRowsOf(cached, data));
        TokenCache.markUsed(file);
        TokenCache.prune(file.getParent(), data.split() + ".len" + maxLength + ".", KEEP_PER_SPLIT);
        return examples;
    }

    /**
     * Whether {@code cached} has the rows of {@code data}: as many, with the same labels and scores.
     * A cache written under older rules for which rows are kept or how labels read (a row once
     * skipped as bad and read now) has the same key but not these rows.
     */
    private static boolean holdsRowsOf(List<TokenizedExample> cached, SplitData data) {
        if (cached.size() != data.examples().size()) {
            return false;
        }
        for (int i = 0; i < cached.size(); i++) {
            Example e = data.examples().get(i);
            if (cached.get(i).label() != e.label()
                    || Float.floatToIntBits(cached.get(i).score()) != Float.floatToIntBits(e.score())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The cache file of {@code split} of {@code task} for the cache key {@code key}:
     * {@code cacheDir/<task>/<split>.len<maxLength>.<first 16 hex digits of key>.tok}.
     */
    public static Path cacheFile(Path cacheDir, TaskSpec task, String split, int maxLength, String key) {
        return cacheDir.resolve(task.name()).resolve(split + ".len" + maxLength + "." + key.substring(0, 16) + ".tok");
    }

    /** Token counts, the input of {@link Batcher#planEpoch}. */
    public static int[] lengths(List<TokenizedExample> examples) {
        int[] l = new int[examples.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = examples.get(i).length();
        }
        return l;
    }
}
