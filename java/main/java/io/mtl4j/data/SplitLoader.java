package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
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
        try {
            String before = Hashing.fileSha256Hex(file.path());
            List<Example> examples = reader.read(file.path(), task, split, errors);
            if (!Hashing.fileSha256Hex(file.path()).equals(before)) {
                throw new UserError(file.path() + ": changed while it was being read; run again once it is"
                        + " fully written");
            }
            return new SplitData(task.name(), split, file.path(), before, examples, errors.report());
        } catch (NoSuchFileException e) {
            throw new UserError(file.path() + ": file not found", e);
        } catch (IOException e) {
            throw new UserError(file.path() + ": cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
    }
}
