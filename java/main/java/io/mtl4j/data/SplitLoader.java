package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** Locates and reads a split: the entry point of the data layer. */
public final class SplitLoader {
    private SplitLoader() {}

    /** Locates {@code split} of {@code task} in {@code source} and reads it. */
    public static SplitData load(DataSource source, TaskSpec task, String split, BadRowPolicy policy) {
        return read(source.locate(task, split), task, split, policy);
    }

    /** Reads a located split file. */
    public static SplitData read(SplitFile file, TaskSpec task, String split, BadRowPolicy policy) {
        SplitReader reader = switch (file.format()) {
            case JSONL -> new JsonlReader();
            case PARQUET -> new ParquetReader();
            case GLUE_TSV -> new TsvReader(GlueTsvLayout.forGlueTask(task).orElseThrow(() ->
                    new UserError(file.path() + ": task " + task.name() + " has no GLUE TSV layout")));
            case TSV -> new TsvReader(GlueTsvLayout.headed(task));
            case CSV -> new CsvReader();
        };
        RowErrors errors = new RowErrors(file.path(), policy);
        try {
            return new SplitData(task.name(), split, file.path(),
                    reader.read(file.path(), task, split, errors), errors.report());
        } catch (NoSuchFileException e) {
            throw new UserError(file.path() + ": file not found", e);
        } catch (IOException e) {
            throw new UserError(file.path() + ": cannot read: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
    }
}
