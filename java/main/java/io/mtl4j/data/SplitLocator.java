package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Finds a split's file under a data directory. For a built-in (GLUE) task it tries, in order:
 * <ol>
 *   <li>{@code DIR/<task>/<split>.jsonl} (HF {@code datasets} JSON Lines, as in ../shared/glue)</li>
 *   <li>{@code DIR/<task>/<split>-00000-of-00001.parquet} (HF hub layout of nyu-mll/glue), or the
 *       shards {@code <split>-00000-of-0000N.parquet}, ... of a split the hub publishes in several,
 *       read in shard order (see {@link ParquetShardSet})</li>
 *   <li>{@code DIR/<GLUE dir>/<glue name>.tsv} (original GLUE: {@code SST-2/dev.tsv},
 *       {@code MNLI/dev_matched.tsv}, ...)</li>
 *   <li>{@code DIR/<task>/<split>.csv}</li>
 * </ol>
 * A user-defined task names its files itself (relative to its declaration file). If nothing is
 * found, the {@link MissingSplitError} lists every path looked for.
 */
public final class SplitLocator implements DataSource {
    private final Path dir;

    public SplitLocator(Path dir) {
        this.dir = dir;
    }

    @Override
    public SplitFile locate(TaskSpec task, String split) {
        if (!task.hasSplit(split)) {
            String hint = split.equals("dev") || split.startsWith("dev_")
                    ? " (GLUE's '" + split + "' is called '" + split.replace("dev", "validation") + "')" : "";
            throw new UserError("task " + task.name() + " has no split '" + split + "'" + hint + "; splits: "
                    + String.join(", ", task.splits()));
        }
        List<SplitFile> candidates = candidates(task, split);
        boolean hubLayout = task.splitFiles().get(split) == null;
        if (!hubLayout && Files.isDirectory(candidates.get(0).path())) {
            throw new UserError(candidates.get(0).path() + ": a directory, not a data file (task " + task.name()
                    + ", split " + split + ")");
        }
        for (SplitFile c : candidates) {
            if (hubLayout && c.format() == DataFormat.PARQUET) {
                var shards = ParquetShardSet.find(c.path().getParent(), split);
                if (shards.isPresent()) {
                    return new SplitFile(shards.get().get(0), DataFormat.PARQUET, shards.get());
                }
            } else if (Files.isRegularFile(c.path())) {
                return c;
            }
        }
        throw new MissingSplitError(split, "no file for task " + task.name() + " split " + split + "; looked for: "
                + candidates.stream().map(c -> hubLayout && c.format() == DataFormat.PARQUET
                        ? c.path().resolveSibling(split + "-NNNNN-of-NNNNN.parquet") + " (one file or shards)"
                        : c.path().toString()).collect(Collectors.joining(", ")));
    }

    /** Every path {@link #locate} would try, in order. */
    public List<SplitFile> candidates(TaskSpec task, String split) {
        List<SplitFile> out = new ArrayList<>();
        Path declared = task.splitFiles().get(split);
        if (declared != null) {
            DataFormat format = DataFormat.fromExtension(declared).orElseThrow(() -> new UserError(
                    declared + ": unknown data file type for task " + task.name()
                            + " (use .jsonl, .parquet, .tsv or .csv)"));
            out.add(new SplitFile(declared, format));
            return out;
        }
        Path taskDir = dir.resolve(task.name());
        out.add(new SplitFile(taskDir.resolve(split + ".jsonl"), DataFormat.JSONL));
        out.add(new SplitFile(taskDir.resolve(split + "-00000-of-00001.parquet"), DataFormat.PARQUET));
        GlueTsvLayout.forGlueTask(task).ifPresent(layout -> out.add(new SplitFile(
                dir.resolve(layout.dir()).resolve(layout.fileName(split)), DataFormat.GLUE_TSV)));
        out.add(new SplitFile(taskDir.resolve(split + ".csv"), DataFormat.CSV));
        return out;
    }
}
