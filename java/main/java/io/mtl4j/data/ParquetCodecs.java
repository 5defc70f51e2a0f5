package io.mtl4j.data;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Page compression for Parquet without Hadoop. parquet-hadoop's own {@code CodecFactory} builds
 * a Hadoop {@code Configuration} (which needs the whole shaded Hadoop runtime) even for local
 * files; this factory calls the codec libraries parquet-hadoop already depends on directly:
 * snappy-java (SNAPPY, the hub's default), zstd-jni (ZSTD), aircompressor (LZ4_RAW) and
 * java.util.zip (GZIP). LZO, BROTLI and Hadoop-framed LZ4 are reported as unsupported.
 */
final class ParquetCodecs implements CompressionCodecFactory {

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return new Decompressor(codec);
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return new Compressor(codec);
    }

    @Override
    public void release() {
        // nothing pooled
    }

    static byte[] decompress(CompressionCodecName codec, byte[] in, int uncompressedSize) throws IOException {
        byte[] out = switch (codec) {
            case UNCOMPRESSED -> in;
            case SNAPPY -> Snappy.uncompress(in);
            case ZSTD -> Zstd.decompress(in, uncompressedSize);
            case GZIP -> {
                try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in))) {
                    yield gz.readNBytes(uncompressedSize);
                }
            }
            case LZ4_RAW -> {
                byte[] buf = new byte[uncompressedSize];
                int n = new Lz4Decompressor().decompress(in, 0, in.length, buf, 0, buf.length);
                yield n == buf.length ? buf : Arrays.copyOf(buf, n);
            }
            default -> throw new IOException("unsupported Parquet compression " + codec);
        };
        if (out.length != uncompressedSize) {
            throw new IOException(codec + " page decompressed to " + out.length + " bytes, expected " + uncompressedSize);
        }
        return out;
    }

    static byte[] compress(CompressionCodecName codec, byte[] in) throws IOException {
        return switch (codec) {
            case UNCOMPRESSED -> in;
            case SNAPPY -> Snappy.compress(in);
            case ZSTD -> Zstd.compress(in, 3);
            case GZIP -> {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                    gz.write(in);
                }
                yield bytes.toByteArray();
            }
            case LZ4_RAW -> {
                Lz4Compressor c = new Lz4Compressor();
                byte[] buf = new byte[c.maxCompressedLength(in.length)];
                yield Arrays.copyOf(buf, c.compress(in, 0, in.length, buf, 0, buf.length));
            }
            default -> throw new IOException("unsupported Parquet compression " + codec);
        };
    }

    private record Decompressor(CompressionCodecName codec) implements BytesInputDecompressor {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            return BytesInput.from(ParquetCodecs.decompress(codec, bytes.toByteArray(), uncompressedSize));
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.get(in);
            output.put(ParquetCodecs.decompress(codec, in, uncompressedSize));
        }

        @Override
        public void release() {
            // stateless
        }
    }

    private record Compressor(CompressionCodecName codec) implements BytesInputCompressor {
        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            return BytesInput.from(ParquetCodecs.compress(codec, bytes.toByteArray()));
        }

        @Override
        public CompressionCodecName getCodecName() {
            return codec;
        }

        @Override
        public void release() {
            // stateless
        }
    }
}
