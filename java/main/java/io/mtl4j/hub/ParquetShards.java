package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Joins the shards of a split into one Parquet file, their rows in shard order: the row groups
 * are copied as they are (no decoding, no re-compression) behind one footer. The shards must have
 * one schema, as those of one split published by the hub do.
 */
final class ParquetShards {
    private ParquetShards() {
    }

    /**
     * Writes the rows of {@code shards}, in order, to {@code out} (replaced if it exists). A shard that is
     * not a Parquet file is a one-line {@link UserError} naming it.
     */
    static void concat(List<Path> shards, Path out) throws IOException {
        Path dir = shards.get(0).getParent();
        try {
            join(shards, out);
        } catch (UserError e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot join the Parquet shards " + shards.stream().map(p -> p.getFileName().toString())
                    .toList() + " of one split (in " + dir + "): "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString()), e);
        }
    }

    private static void join(List<Path> shards, Path out) throws IOException {
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        MessageType schema;
        Map<String, String> keyValues;
        try (ParquetFileReader first = ParquetFileReader.open(new LocalInputFile(shards.get(0)), options)) {
            FileMetaData meta = first.getFooter().getFileMetaData();
            schema = meta.getSchema();
            keyValues = meta.getKeyValueMetaData();
        }
        @SuppressWarnings("deprecation")
        ParquetFileWriter writer = new ParquetFileWriter(new LocalOutputFile(out), schema, ParquetFileWriter.Mode.OVERWRITE,
                128L * 1024 * 1024, 0);
        writer.start();
        for (Path shard : shards) {
            try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(shard), options)) {
                MessageType shardSchema = reader.getFooter().getFileMetaData().getSchema();
                if (!shardSchema.equals(schema)) {
                    throw new UserError(shard + ": its columns differ from those of " + shards.get(0).getFileName()
                            + " (" + oneLine(shardSchema) + " vs " + oneLine(schema) + "); cannot join the shards of one split");
                }
                reader.appendTo(writer);
            }
        }
        writer.end(keyValues);
    }

    private static String oneLine(MessageType schema) {
        return schema.toString().replaceAll("\\s+", " ").trim();
    }
}
