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

    static void writeSst2(Path file, Object[][] rows, CompressionCodecName codec) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(SST2);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(SST2)
                .withCompressionCodec(codec)
                .withCodecFactory(new ParquetCodecs())
                .build()) {
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
}
