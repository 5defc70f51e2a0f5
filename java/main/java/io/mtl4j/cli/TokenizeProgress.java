package io.mtl4j.cli;

import java.util.function.IntConsumer;

/**
 * A progress bar for tokenizing {@code total} examples that draws only once work is reported,
 * so a split served from the token cache prints nothing. {@link #used()} tells whether any
 * tokenization happened. The clock starts at construction, so rates include the first chunk.
 */
public final class TokenizeProgress implements IntConsumer, AutoCloseable {
    private final ProgressBar bar;
    private boolean used;

    public TokenizeProgress(String label, long total) {
        this.bar = new ProgressBar(label, total);
    }

    @Override
    public void accept(int examples) {
        used = true;
        bar.step(examples);
    }

    public boolean used() {
        return used;
    }

    @Override
    public void close() {
        if (used) {
            bar.close();
        }
    }
}
