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
     * Like {@link #encode}, through the cache file {@code cacheDir/<task>/<split>.len<maxLength>.tok},
     * which is rebuilt when the tokenizer, the data file, the max length or the task changes.
     */
    public static List<TokenizedExample> cached(Path cacheDir, String tokenizerFingerprint, int maxLength,
            TaskSpec task, SplitData data, BatchEncoder encoder) {
        Path file = cacheFile(cacheDir, task, data.split(), maxLength);
        String key = TokenCache.key(tokenizerFingerprint, data.file(), maxLength, task);
        return TokenCache.loadOrBuild(file, key, () -> encode(data, encoder));
    }

    /** The cache file of {@code split} of {@code task}: {@code cacheDir/<task>/<split>.len<maxLength>.tok}. */
    public static Path cacheFile(Path cacheDir, TaskSpec task, String split, int maxLength) {
        return cacheDir.resolve(task.name()).resolve(split + ".len" + maxLength + ".tok");
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
