package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/** Locates and reads a split: the entry point of the data layer. */
public final class SplitLoader {
    private SplitLoader() {}

    /** Locates {@code split} of {@code task} in {@code source} and reads it. */
    public static SplitData load(DataSource source, TaskSpec task, String split, BadRowPolicy policy) {
        return read(source.locate(task, split), task, split, policy);
    }

    /**
     * Reads a located split file. The file is hashed before and after reading, so the hash kept with
     * the examples (for the token cache and a run's provenance) is that of the bytes read: a file
     * replaced while it was read is an error, not examples recorded under another file's hash.
     * A split in several shards is read shard by shard, its rows in shard order, under the hash
     * {@link #shardsHash} of all of them.
     */
    public static SplitData read(SplitFile file, TaskSpec task, String split, BadRowPolicy policy) {
        SplitReader reader = switch (file.format()) {
            case JSONL -> new JsonlReader();
            case PARQUET -> new ParquetReader();
            case GLUE_TSV -> new TsvReader(GlueTsvLayout.forGlueTask(task).orElseThrow(() ->
                    new UserError(file.path() + ": task " + task.name() + " has no GLUE TSV layout")));
            case TSV -> new TsvReader(GlueTsvLayout.headed(task));
            case CSV -> new CsvReader();
        };
        return read(file, task, split, policy, reader);
    }

    static SplitData read(SplitFile file, TaskSpec task, String split, BadRowPolicy policy, SplitReader reader) {
        RowErrors errors = new RowErrors(file.path(), policy);
        List<String> before = new ArrayList<>();
        List<Example> examples = new ArrayList<>();
        for (Path shard : file.shards()) {
            try {
                before.add(Hashing.fileSha256Hex(shard));
                errors.readingFrom(shard);
                examples.addAll(reader.read(shard, task, split, errors));
            } catch (NoSuchFileException e) {
                throw new UserError(shard + ": file not found", e);
            } catch (IOException e) {
                throw new UserError(shard + ": cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
            }
        }
        for (int i = 0; i < file.shards().size(); i++) {
            Path shard = file.shards().get(i);
            String after;
            try {
                after = Hashing.fileSha256Hex(shard);
            } catch (IOException e) {
                after = null;
            }
            if (!before.get(i).equals(after)) {
                throw new UserError(shard + ": changed while it was being read; run again once it is"
                        + " fully written");
            }
        }
        String hash = file.sharded() ? shardsHash(file.shards(), before) : before.get(0);
        return new SplitData(task.name(), split, file.path(), hash, examples, errors.report());
    }

    /**
     * The content hash of a split in several shards: the hex sha256 of a text naming each shard's
     * file and its sha256 ({@code shardSha256}), in shard order, so a changed, added or renumbered
     * shard changes it. (A split in one file keeps that file's own sha256.)
     */
    static String shardsHash(List<Path> shards, List<String> shardSha256) {
        StringBuilder text = new StringBuilder("mtl4j-parquet-shards-v1\n");
        for (int i = 0; i < shards.size(); i++) {
            text.append(shards.get(i).getFileName()).append(' ').append(shardSha256.get(i)).append('\n');
        }
        return Hashing.sha256Hex(text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
