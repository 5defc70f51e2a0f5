package io.mtl4j.hub;

/**
 * Receives progress of one file's download, for a progress bar. The downloader calls it once
 * at the start, at most every {@link HubClient#PROGRESS_INTERVAL} while bytes arrive, and
 * once at the end with {@code bytesDone == totalBytes} (if the total is known). Calls for one
 * file come one at a time from the HTTP client's thread, not the caller's; implementations
 * should be quick and must not throw.
 */
@FunctionalInterface
public interface DownloadProgress {
    /**
     * @param filename   the file's path in the repo
     * @param bytesDone  bytes of the file on disk so far (a resumed download starts above 0)
     * @param totalBytes the file's size, or -1 if the hub did not say
     */
    void update(String filename, long bytesDone, long totalBytes);

    static DownloadProgress none() {
        return (filename, done, total) -> { };
    }
}
