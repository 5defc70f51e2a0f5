package io.mtl4j.hub;

import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Downloads one blob: into {@code blobs/{etag}.incomplete}, resuming with a Range request if
 * that file exists, checking the size and (for LFS files) the sha256 of the file on disk, then
 * renaming it atomically to {@code blobs/{etag}}. A download that fails midway leaves the
 * partial file for the next attempt to resume; a corrupt one is deleted. The caller must hold
 * the blob's {@link BlobLock}: the partial file is shared by every download of the blob.
 */
final class BlobDownloader {
    private static final Logger LOG = LogManager.getLogger(BlobDownloader.class);

    private final HubHttp http;
    private final Duration readTimeout;
    private final Duration progressInterval;
    private final DownloadProgress progress;

    BlobDownloader(HubHttp http, Duration readTimeout, Duration progressInterval, DownloadProgress progress) {
        this.http = http;
        this.readTimeout = readTimeout;
        this.progressInterval = progressInterval;
        this.progress = progress;
    }

    void download(FileRef ref, FileMetadata meta, Path incomplete, Path blob) {
        try {
            Files.createDirectories(blob.getParent());
            long offset = Files.isRegularFile(incomplete) ? Files.size(incomplete) : 0;
            LOG.info("Downloading {} ({}) of {}{}", ref.filename(), humanSize(meta.size()), ref.repo(),
                    offset > 0 ? ", resuming at " + humanSize(offset) : "");
            transfer(ref, meta, incomplete, offset);
            verify(ref, meta, incomplete);
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + incomplete + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the rest of the content into {@code incomplete} from {@code offset}, or rewrites it
     * if the server ignores Range.
     */
    private void transfer(FileRef ref, FileMetadata meta, Path incomplete, long offset) throws IOException {
        BodyWriter writer = newWriter(ref, meta, incomplete, offset);
        HttpResponse<Boolean> response = http.download(meta.contentUrl(), offset, ref, writer, readTimeout);
        if (response.statusCode() == 416 && offset > 0) {
            // The server does not accept the partial file as a prefix (or it is already whole): start over, once.
            LOG.info("Server refused to resume {} at byte {}; downloading it again", ref.filename(), offset);
            Files.delete(incomplete);
            writer = newWriter(ref, meta, incomplete, 0);
            response = http.download(meta.contentUrl(), 0, ref, writer, readTimeout);
        }
        if (!writer.wrote()) {
            throw new UserError("unexpected HTTP " + response.statusCode() + " downloading " + ref.describe() + " from "
                    + HubHttp.strip(meta.contentUrl()) + " (asked for bytes from " + offset + ", Content-Range '"
                    + response.headers().firstValue("Content-Range").orElse("") + "')");
        }
    }

    private BodyWriter newWriter(FileRef ref, FileMetadata meta, Path incomplete, long offset) {
        return new BodyWriter(incomplete, offset, ref.filename(), meta.size(), progress, progressInterval);
    }

    /**
     * Checks the file that will become the blob, not the bytes this download received: a resumed
     * file is only as good as its prefix, and a file another writer touched differs from the stream.
     */
    private static void verify(FileRef ref, FileMetadata meta, Path incomplete) throws IOException {
        long size = Files.size(incomplete);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.deleteIfExists(incomplete);
            throw new UserError("downloaded " + ref.describe() + " has " + size + " bytes, the hub said "
                    + meta.size() + "; deleted the partial file, run again");
        }
        Optional<String> expected = meta.expectedSha256();
        if (expected.isEmpty()) {
            return;
        }
        String actualSha256 = Hashing.sha256Hex(incomplete);
        if (!actualSha256.equals(expected.get())) {
            Files.deleteIfExists(incomplete);
            throw new UserError("sha256 mismatch for downloaded " + ref.describe() + " from "
                    + HubHttp.strip(meta.contentUrl()) + ": expected " + expected.get() + ", got " + actualSha256
                    + "; deleted the corrupt file");
        }
    }

    static String humanSize(long bytes) {
        if (bytes < 0) {
            return "size unknown";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
