package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.util.UserError;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Parquet files as published on the Hugging Face hub (e.g. {@code nyu-mll/glue}:
 * {@code sst2/train-00000-of-00001.parquet} with columns {@code sentence: string, label: int64,
 * idx: int32}). Reads only the task's text and label columns (and in a test split an integer
 * {@code idx}, the row's own index). Text columns must be strings
 * (decoded as strict UTF-8); the label column an integer, a float (regression) or a string
 * (label name). "Line" numbers are 1-based row numbers.
 */
final class ParquetReader implements SplitReader {

    @Override
    public List<Example> read(Path file, TaskSpec task, String split, RowErrors errors) throws IOException {
        ExampleBuilder builder = new ExampleBuilder(task, split);
        List<Example> out = new ArrayList<>();
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(new ParquetCodecs()).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new NamedInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            List<Type> wanted = new ArrayList<>();
            for (String f : task.textFields()) {
                wanted.add(column(schema, f, file, true));
            }
            Type label = schema.containsField(task.labelField())
                    ? column(schema, task.labelField(), file, false) : null;
            if (label == null && TaskSpec.isLabeledSplit(split)) {
                throw new UserError(file + ": no label column '" + task.labelField() + "' (columns: "
                        + columnNames(schema) + ")");
            }
            if (label != null) {
                wanted.add(label);
            }
            Type idx = builder.readsIndex() && schema.containsField("idx") && !task.textFields().contains("idx")
                    && !"idx".equals(task.labelField()) ? schema.getType("idx") : null;
            if (idx != null && (!idx.isPrimitive() || idx.isRepetition(Type.Repetition.REPEATED)
                    || !(idx.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT32
                    || idx.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT64))) {
                idx = null; // not an integer index: the row's position stands in for it
            }
            if (idx != null) {
                wanted.add(idx);
            }
            MessageType projection = new MessageType(schema.getName(), wanted);
            reader.setRequestedSchema(projection);
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(projection, schema);
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            long row = 0;
            for (PageReadStore pages; (pages = reader.readNextRowGroup()) != null; ) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(projection));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    row++;
                    Group g = records.read();
                    try {
                        String a = string(g, task.textFields().get(0), utf8);
                        String b = task.isPair() ? string(g, task.textFields().get(1), utf8) : null;
                        Object index = idx == null || g.getFieldRepetitionCount("idx") == 0 ? null : labelValue(g, idx);
                        out.add(builder.build(a, b, label == null ? null : labelValue(g, label), row, index));
                    } catch (BadRow e) {
                        errors.reject(row, e.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) { // parquet-mr reports corrupt files as RuntimeException
            if (e instanceof UserError u) {
                throw u;
            }
            throw new UserError(file + ": cannot read Parquet file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read Parquet file: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
        return out;
    }

    /**
     * parquet-mr names the input file in its messages ("... is not a Parquet file") by
     * {@code toString()}, which {@link LocalInputFile} does not override.
     */
    private static final class NamedInputFile extends LocalInputFile {
        private final Path path;

        NamedInputFile(Path path) {
            super(path);
            this.path = path;
        }

        @Override
        public String toString() {
            return path.getFileName().toString();
        }
    }

    private static Type column(MessageType schema, String name, Path file, boolean text) {
        if (!schema.containsField(name)) {
            throw new UserError(file + ": no column '" + name + "' (columns: " + columnNames(schema) + ")");
        }
        Type t = schema.getType(name);
        if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
            throw new UserError(file + ": column '" + name + "' is not a plain value column");
        }
        PrimitiveTypeName p = t.asPrimitiveType().getPrimitiveTypeName();
        boolean ok = text ? p == PrimitiveTypeName.BINARY
                : p == PrimitiveTypeName.INT32 || p == PrimitiveTypeName.INT64 || p == PrimitiveTypeName.FLOAT
                        || p == PrimitiveTypeName.DOUBLE || p == PrimitiveTypeName.BINARY;
        if (!ok) {
            throw new UserError(file + ": column '" + name + "' has type " + p + ", expected "
                    + (text ? "a string" : "a number or string"));
        }
        return t;
    }

    private static String columnNames(MessageType schema) {
        return String.join(", ", schema.getFields().stream().map(Type::getName).toList());
    }

    private static String string(Group g, String field, CharsetDecoder utf8) throws BadRow {
        if (g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        try {
            CharBuffer chars = utf8.reset().decode(g.getBinary(field, 0).toByteBuffer());
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new BadRow("invalid UTF-8 in column '" + field + "'");
        }
    }

    private static Object labelValue(Group g, Type label) {
        String f = label.getName();
        if (g.getFieldRepetitionCount(f) == 0) {
            return null;
        }
        PrimitiveType p = label.asPrimitiveType();
        return switch (p.getPrimitiveTypeName()) {
            case INT32 -> (Object) (long) g.getInteger(f, 0);
            case INT64 -> (Object) g.getLong(f, 0);
            case FLOAT -> (Object) (double) g.getFloat(f, 0);
            case DOUBLE -> (Object) g.getDouble(f, 0);
            default -> g.getBinary(f, 0).toStringUsingUTF8();
        };
    }
}
