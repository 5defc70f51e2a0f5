package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Maps the fields of a delimited row (TSV or CSV) to an example by column position. Built from a
 * header (column names) or, for headerless files, from fixed positions.
 */
final class DelimitedRows {
    private final int fieldCount;
    private final int textA;
    private final int textB;   // -1 for single-text tasks
    private final int label;   // -1 if the file has no label column
    private final int index;   // the row's own index column (GLUE's 'index', HF's 'idx'), -1 if none
    private final ExampleBuilder builder;

    DelimitedRows(int fieldCount, int textA, int textB, int label, TaskSpec task, String split) {
        this(fieldCount, textA, textB, label, -1, task, split);
    }

    private DelimitedRows(int fieldCount, int textA, int textB, int label, int index, TaskSpec task, String split) {
        this.fieldCount = fieldCount;
        this.textA = textA;
        this.textB = textB;
        this.label = label;
        this.index = index;
        this.builder = new ExampleBuilder(task, split);
    }

    /**
     * Column positions from a header. Returns a reason string via {@link BadRow} if a column name
     * repeats (which one is meant would be a guess), a text column is missing, or the label column
     * is missing in a labeled split.
     */
    static DelimitedRows fromHeader(List<String> header, String textACol, String textBCol, String labelCol,
            TaskSpec task, String split) throws BadRow {
        return fromHeader(header, textACol, textBCol, labelCol, null, task, split);
    }

    /**
     * Like {@link #fromHeader(List, String, String, String, TaskSpec, String)}; the row's own index is read
     * from the column {@code index}, else {@code idx}, else {@code otherIndexCol} (null: none other).
     */
    static DelimitedRows fromHeader(List<String> header, String textACol, String textBCol, String labelCol,
            String otherIndexCol, TaskSpec task, String split) throws BadRow {
        Set<String> seen = new HashSet<>();
        for (String name : header) {
            if (!seen.add(name)) {
                throw new BadRow("duplicate column '" + name + "' in header (columns: " + String.join(", ", header) + ")");
            }
        }
        int a = column(header, textACol);
        int b = textBCol == null ? -1 : column(header, textBCol);
        int l = header.indexOf(labelCol);
        if (l < 0 && TaskSpec.isLabeledSplit(split)) {
            throw new BadRow("header has no label column '" + labelCol + "' (columns: " + String.join(", ", header) + ")");
        }
        int index = header.contains("index") ? header.indexOf("index") : header.contains("idx") ? header.indexOf("idx")
                : otherIndexCol == null ? -1 : header.indexOf(otherIndexCol);
        return new DelimitedRows(header.size(), a, b, l, index, task, split);
    }

    private static int column(List<String> header, String name) throws BadRow {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new BadRow("header has no column '" + name + "' (columns: " + String.join(", ", header) + ")");
        }
        return i;
    }

    Example toExample(List<String> fields, long line) throws BadRow {
        if (fields.size() != fieldCount) {
            throw new BadRow("expected " + fieldCount + " fields, found " + fields.size());
        }
        return builder.build(fields.get(textA), textB < 0 ? null : fields.get(textB),
                label < 0 ? null : fields.get(label), line, index < 0 ? null : fields.get(index));
    }
}
