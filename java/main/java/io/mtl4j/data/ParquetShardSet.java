package io.mtl4j.data;

import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Parquet files of one split in the hub's layout, {@code <task>/<split>-<i>-of-<n>.parquet}
 * ({@code i} from 00000 to {@code n}-1): one file ({@code -00000-of-00001}) or the {@code n} shards
 * of a split the hub publishes in several, as {@code git clone} of a dataset repository or
 * {@code huggingface-cli download} leaves them.
 */
public final class ParquetShardSet {
    private ParquetShardSet() {}

    /** Matches the name of any file of {@code split} in this layout; groups 1 and 2 are {@code i} and {@code n}. */
    public static Pattern filesOf(String split) {
        return Pattern.compile(Pattern.quote(split) + "-(\\d{5})-of-(\\d{5})\\.parquet");
    }

    /** The file name of shard {@code i} of {@code n} of {@code split}. */
    static String name(String split, int i, int n) {
        return String.format(java.util.Locale.ROOT, "%s-%05d-of-%05d.parquet", split, i, n);
    }

    /**
     * The files of {@code split} in {@code taskDir}, in shard order; empty if it has none.
     *
     * @throws UserError (one line) if a shard of the set is missing or the directory holds files of
     *         more than one set for the split (say a single file beside shards: two downloads mixed)
     */
    static Optional<List<Path>> find(Path taskDir, String split) {
        if (!Files.isDirectory(taskDir)) {
            return Optional.empty();
        }
        Pattern pattern = filesOf(split);
        Map<Integer, TreeMap<Integer, Path>> sets = new TreeMap<>();
        try (Stream<Path> files = Files.list(taskDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = pattern.matcher(f.getFileName().toString());
                if (m.matches() && Files.isRegularFile(f)) {
                    sets.computeIfAbsent(Integer.parseInt(m.group(2)), n -> new TreeMap<>())
                            .put(Integer.parseInt(m.group(1)), f);
                }
            }
        } catch (IOException e) {
            throw new UserError(taskDir + ": cannot list: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
        if (sets.isEmpty()) {
            return Optional.empty();
        }
        if (sets.size() > 1) {
            throw new UserError(taskDir + ": split " + split + " has files of " + sets.size() + " different downloads: "
                    + sets.values().stream().map(ParquetShardSet::names).collect(Collectors.joining(" and "))
                    + "; keep one set and remove the others");
        }
        int n = sets.keySet().iterator().next();
        TreeMap<Integer, Path> set = sets.get(n);
        List<String> strays = set.keySet().stream().filter(i -> i >= n).map(i -> name(split, i, n)).toList();
        if (!strays.isEmpty()) {
            throw new UserError(taskDir + ": " + String.join(", ", strays) + " cannot be a shard of " + n
                    + (n > 0 ? " (they are numbered from 00000 to " + String.format(java.util.Locale.ROOT, "%05d", n - 1) + ")" : ""));
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!set.containsKey(i)) {
                missing.add(name(split, i, n));
            }
        }
        if (!missing.isEmpty()) {
            throw new UserError(taskDir + ": split " + split + " is in " + n + " Parquet shards, but "
                    + String.join(", ", missing) + (missing.size() == 1 ? " is" : " are")
                    + " missing (download the split again)");
        }
        return Optional.of(List.copyOf(set.values()));
    }

    private static String names(TreeMap<Integer, Path> set) {
        return set.values().stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "));
    }
}
