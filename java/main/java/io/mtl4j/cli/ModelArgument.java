package io.mtl4j.cli;

import io.mtl4j.hub.DownloadProgress;
import io.mtl4j.hub.Env;
import io.mtl4j.hub.ModelSource;

import java.nio.file.Path;

/** Resolves a {@code --model} argument: a local directory, or a hub id downloaded into the HF cache. */
public final class ModelArgument {
    private ModelArgument() {
    }

    public static Path resolve(String model, String revision) {
        return ModelSource.resolve(model, revision, Env.system(), new DownloadBars());
    }

    /** One progress bar per downloaded file, in bytes. */
    static final class DownloadBars implements DownloadProgress {
        private String current;
        private ProgressBar bar;
        private long reported;

        @Override
        public synchronized void update(String filename, long bytesDone, long totalBytes) {
            if (!filename.equals(current)) {
                if (bar != null) {
                    bar.close();
                }
                current = filename;
                bar = new ProgressBar("download " + filename + " (bytes)", Math.max(totalBytes, 1));
                reported = 0;
            }
            bar.step(bytesDone - reported);
            reported = bytesDone;
            if (totalBytes >= 0 && bytesDone >= totalBytes) {
                bar.close();
                bar = null;
                current = null;
            }
        }
    }
}
