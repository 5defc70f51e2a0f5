package io.mtl4j.data;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Writes small Parquet files shaped like the nyu-mll/glue hub files. */
public final class ParquetFixtures {
    /** The schema of nyu-mll/glue sst2 (strings are optional binary UTF8, label int64). */
    static final MessageType SST2 = MessageTypeParser.parseMessageType(
            "message schema { optional binary sentence (STRING); optional int64 label; optional int32 idx; }");

    private ParquetFixtures() {}

    /** Rows of {sentence bytes (null = missing), label}. */
    public static void writeSst2(Path file, Object[][] rows) throws IOException {
        writeSst2(file, rows, CompressionCodecName.UNCOMPRESSED);
    }

    /** Unlabeled sentence pairs (label -1, as in GLUE's test splits) under the given column names. */
    public static void writeTestPairs(Path file, String columnA, String columnB, String[][] pairs) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message schema { optional binary " + columnA
                + " (STRING); optional binary " + columnB + " (STRING); optional int64 label; optional int32 idx; }");
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = open(file, schema, CompressionCodecName.UNCOMPRESSED)) {
            int idx = 0;
            for (String[] pair : pairs) {
                Group g = groups.newGroup();
                g.add(columnA, pair[0]);
                g.add(columnB, pair[1]);
                g.add("label", -1L);
                g.add("idx", idx++);
                w.write(g);
            }
        }
    }

    /**
     * A split of any nyu-mll/glue task as the hub has it: the task's text columns (optional binary UTF8), label
     * int64 (float for a regression task such as stsb; -1 in test splits) and idx int32. {@code rows}: the texts
     * in column order, then the label (a Number).
     */
    public static void writeGlueSplit(Path file, java.util.List<String> textColumns, boolean floatLabel,
                                      java.util.List<Object[]> rows) throws IOException {
        StringBuilder schemaText = new StringBuilder("message schema {");
        for (String c : textColumns) {
            schemaText.append(" optional binary ").append(c).append(" (STRING);");
        }
        schemaText.append(floatLabel ? " optional float label;" : " optional int64 label;").append(" optional int32 idx; }");
        MessageType schema = MessageTypeParser.parseMessageType(schemaText.toString());
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = open(file, schema, CompressionCodecName.UNCOMPRESSED)) {
            int idx = 0;
            for (Object[] r : rows) {
                Group g = groups.newGroup();
                for (int k = 0; k < textColumns.size(); k++) {
                    g.add(textColumns.get(k), (String) r[k]);
                }
                Number label = (Number) r[textColumns.size()];
                if (floatLabel) {
                    g.add("label", label.floatValue());
                } else {
                    g.add("label", label.longValue());
                }
                g.add("idx", idx++);
                w.write(g);
            }
        }
    }

    static void writeSst2(Path file, Object[][] rows, CompressionCodecName codec) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(SST2);
        try (ParquetWriter<Group> w = open(file, SST2, codec)) {
            int idx = 0;
            for (Object[] r : rows) {
                Group g = groups.newGroup();
                if (r[0] != null) {
                    g.add("sentence", Binary.fromConstantByteArray((byte[]) r[0]));
                }
                g.add("label", ((Number) r[1]).longValue());
                g.add("idx", idx++);
                w.write(g);
            }
        }
    }

    private static ParquetWriter<Group> open(Path file, MessageType schema, CompressionCodecName codec) throws IOException {
        return ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(schema)
                .withCompressionCodec(codec)
                .withCodecFactory(new ParquetCodecs())
                .build();
    }
}
