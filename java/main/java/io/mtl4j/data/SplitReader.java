package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Reads one split file of one format into examples, reporting bad rows to {@code errors}. */
interface SplitReader {
    List<Example> read(Path file, TaskSpec task, String split, RowErrors errors) throws IOException;
}
