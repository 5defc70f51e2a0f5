package io.mtl4j.runtime;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.function.Supplier;

/**
 * Keeps native chatter off stdout. Gloo prints "[Gloo] Rank 0 is connected to 1 peer ranks" on the
 * process's file descriptor 1 while a process group connects, which corrupts output meant for a
 * pipe ({@code bench train --json}); file descriptor 1 points at stderr for that time.
 */
public final class NativeStdout {
    private static final Logger LOG = LogManager.getLogger(NativeStdout.class);
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    private static final LibC LIBC = io.mtl4j.util.LibC.load(LibC.class, LOG, "native messages may reach stdout");

    private interface LibC extends Library {
        int dup(int fd);

        int dup2(int from, int to);

        int close(int fd);

        int fflush(Pointer stream);
    }

    private NativeStdout() {
    }

    /** Runs {@code action} with file descriptor 1 on stderr; Java's own stdout is flushed first. */
    public static <T> T toStderr(Supplier<T> action) {
        if (LIBC == null) {
            return action.get();
        }
        System.out.flush();
        LIBC.fflush(null);
        int saved = LIBC.dup(STDOUT);
        if (saved < 0 || LIBC.dup2(STDERR, STDOUT) < 0) {
            if (saved >= 0) {
                LIBC.close(saved);
            }
            return action.get();
        }
        try {
            return action.get();
        } finally {
            LIBC.fflush(null); // what native code buffered belongs to the stderr period
            LIBC.dup2(saved, STDOUT);
            LIBC.close(saved);
        }
    }
}
