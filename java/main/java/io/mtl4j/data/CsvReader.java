package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated values with RFC 4180 quoting: a field may be enclosed in double quotes, inside
 * which commas and line breaks are literal and {@code ""} is one quote. The first record is a
 * header naming the columns; the task's text fields and label field are looked up by name. Line
 * numbers name the line a record starts on. A quote inside an unquoted field, text after a
 * closing quote, or an unterminated quote make the record bad.
 */
final class CsvReader implements SplitReader {

    /** One record's fields, the line it started on, and its first problem (or null). */
    record Record(List<String> fields, long line, String problem) {}

    @Override
    public List<Example> read(Path file, TaskSpec task, String split, RowErrors errors) throws IOException {
        List<Example> out = new ArrayList<>();
        try (Utf8Lines lines = new Utf8Lines(file)) {
            Parser parser = new Parser(lines);
            Record header = parser.next();
            if (header == null) {
                return out;
            }
            if (header.problem() != null) {
                throw UserError.at(file, header.line(), header.problem());
            }
            DelimitedRows rows;
            try {
                rows = DelimitedRows.fromHeader(header.fields(), task.textFields().get(0),
                        task.isPair() ? task.textFields().get(1) : null, task.labelField(), task, split);
            } catch (BadRow e) {
                throw UserError.at(file, header.line(), e.getMessage());
            }
            for (Record r; (r = parser.next()) != null; ) {
                if (r.problem() == null && r.fields().size() == 1 && r.fields().get(0).isEmpty()) {
                    continue; // an empty line is not a record
                }
                try {
                    if (r.problem() != null) {
                        throw new BadRow(r.problem());
                    }
                    out.add(rows.toExample(r.fields(), r.line()));
                } catch (BadRow e) {
                    errors.reject(r.line(), e.getMessage());
                }
            }
        }
        return out;
    }

    /** The RFC 4180 state machine over physical lines. */
    static final class Parser {
        private final Utf8Lines lines;

        Parser(Utf8Lines lines) {
            this.lines = lines;
        }

        Record next() throws IOException {
            Utf8Lines.Line line = lines.next();
            if (line == null) {
                return null;
            }
            long start = line.number();
            String problem = null;
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean inQuotes = false;
            boolean closed = false; // the current field was quoted and its quote closed
            while (true) {
                if (problem == null && line.utf8Error() != null) {
                    problem = line.utf8Error();
                }
                String s = line.text();
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (inQuotes) {
                        if (c != '"') {
                            field.append(c);
                        } else if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            inQuotes = false;
                            closed = true;
                        }
                    } else if (c == ',') {
                        fields.add(field.toString());
                        field.setLength(0);
                        closed = false;
                    } else if (c == '"' && field.length() == 0 && !closed) {
                        inQuotes = true;
                    } else if (c == '"') {
                        problem = problem != null ? problem : "quote inside an unquoted field (column " + (fields.size() + 1) + ")";
                        field.append(c);
                    } else if (closed) {
                        problem = problem != null ? problem : "text after a closing quote (column " + (fields.size() + 1) + ")";
                        field.append(c);
                    } else {
                        field.append(c);
                    }
                }
                if (!inQuotes) {
                    break;
                }
                line = lines.next();
                if (line == null) {
                    problem = problem != null ? problem : "unterminated quoted field";
                    break;
                }
                field.append('\n');
            }
            fields.add(field.toString());
            return new Record(fields, start, problem);
        }
    }
}
