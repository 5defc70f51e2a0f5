package io.mtl4j.train;

import io.mtl4j.data.BadRowPolicy;
import io.mtl4j.data.DataSource;
import io.mtl4j.data.SplitData;
import io.mtl4j.data.SplitLoader;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.data.TokenizedSplits;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's tokenized splits, loaded through the token cache, with the hashes of their files and each
 * row's own index as its file gives it ({@link io.mtl4j.data.Example#index()}: test splits only, -1 if none).
 * The indexes are read from the file each time, not cached: the token cache is unchanged by them.
 */
public record TaskData(TaskSpec spec, Map<String, List<TokenizedExample>> splits, Map<String, String> fileHashes,
                       Map<String, long[]> rowIndexes) {
    private static final Logger LOG = LogManager.getLogger(TaskData.class);

    /** The dev splits of a task: MNLI's matched and mismatched, otherwise validation. */
    public static List<String> devSplits(TaskSpec spec) {
        List<String> out = new ArrayList<>();
        for (String s : List.of("validation", "validation_matched", "validation_mismatched")) {
            if (spec.hasSplit(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * The key of a dev split's scores in eval.json: the task's name for its first dev split,
     * {@code mnli-mm} for MNLI's mismatched one, otherwise {@code <task>-<split>}.
     */
    public static String resultKey(TaskSpec spec, String split) {
        if (spec.name().equals("mnli") && split.equals("validation_mismatched")) {
            return "mnli-mm";
        }
        return devSplits(spec).indexOf(split) == 0 ? spec.name() : spec.name() + "-" + split;
    }

    /**
     * Loads {@code splits} of {@code spec}. A split in {@code optional} that has no file is
     * skipped with a log line instead of an error.
     */
    public static TaskData load(TaskSpec spec, DataSource source, List<String> splits, List<String> optional,
                                BertTokenizer tokenizer, Path cacheDir, BadRowPolicy policy) {
        Map<String, List<TokenizedExample>> out = new LinkedHashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        Map<String, long[]> indexes = new LinkedHashMap<>();
        for (String split : splits) {
            SplitData data;
            try {
                data = SplitLoader.load(source, spec, split, policy);
            } catch (io.mtl4j.data.MissingSplitError e) {
                // Only a missing optional split is passed over: a bad row or an unreadable file in it stays an error.
                if (optional.contains(split)) {
                    LOG.info("{}: no {} split; going on without it", spec.name(), split);
                    LOG.debug("{}", e.getMessage());
                    continue;
                }
                throw e;
            }
            if (data.skipped().count() > 0) {
                LOG.warn("{} {}: skipped {} bad row(s), first at {}", spec.name(), split, data.skipped().count(),
                        data.skipped().first());
            }
            if (data.examples().isEmpty()) {
                // An empty dev split would score 0 and an empty train split cannot be sampled.
                String why = data.file() + ": the " + spec.name() + " " + split + " split has no rows"
                        + (data.skipped().count() > 0 ? " (all " + data.skipped().count() + " were bad and skipped)" : "");
                if (optional.contains(split)) {
                    LOG.warn("{}; not used", why);
                    continue;
                }
                throw new io.mtl4j.util.UserError(why);
            }
            List<TokenizedExample> examples = TokenizedSplits.cached(cacheDir, tokenizer.fingerprint(),
                    tokenizer.maxLength(), spec, data, new io.mtl4j.tokenize.BertBatchEncoder(tokenizer));
            out.put(split, examples);
            hashes.put(split, data.fileSha256());
            indexes.put(split, data.examples().stream().mapToLong(io.mtl4j.data.Example::index).toArray());
        }
        return new TaskData(spec, out, hashes, indexes);
    }
}
