package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tab-separated files as in the original GLUE distribution (see {@link GlueTsvLayout}):
 * fields split on every tab, quotes literal, the first line a header naming the columns (except
 * CoLA train/dev). A row with the wrong number of fields (QQP has some) is a bad row.
 */
final class TsvReader implements SplitReader {
    private final GlueTsvLayout layout;

    TsvReader(GlueTsvLayout layout) {
        this.layout = layout;
    }

    @Override
    public List<Example> read(Path file, TaskSpec task, String split, RowErrors errors) throws IOException {
        List<Example> out = new ArrayList<>();
        try (Utf8Lines lines = new Utf8Lines(file)) {
            Utf8Lines.Line first = lines.next();
            if (first == null) {
                return out;
            }
            if (first.utf8Error() != null) {
                throw UserError.at(file, 1, first.utf8Error());
            }
            List<String> firstFields = split(first.text());
            DelimitedRows rows;
            Utf8Lines.Line pending = null;
            if (layout.headerless() && !firstFields.equals(List.of("index", "sentence"))) {
                rows = new DelimitedRows(GlueTsvLayout.COLA_FIELDS, GlueTsvLayout.COLA_SENTENCE, -1,
                        GlueTsvLayout.COLA_LABEL, task, split);
                pending = first; // no header: the first line is data
            } else {
                try {
                    rows = DelimitedRows.fromHeader(firstFields, layout.textA(), layout.textB(), layout.label(),
                            layout.otherIndexColumn(), task, split);
                } catch (BadRow e) {
                    throw UserError.at(file, 1, e.getMessage());
                }
            }
            for (Utf8Lines.Line line = pending != null ? pending : lines.next(); line != null; line = lines.next()) {
                if (line.text().isEmpty() && line.utf8Error() == null) {
                    continue;
                }
                try {
                    if (line.utf8Error() != null) {
                        throw new BadRow(line.utf8Error());
                    }
                    out.add(rows.toExample(split(line.text()), line.number()));
                } catch (BadRow e) {
                    errors.reject(line.number(), e.getMessage());
                }
            }
        }
        return out;
    }

    static List<String> split(String line) {
        return Arrays.asList(line.split("\t", -1));
    }
}
